#pragma once
// The GAL store of Search (MS-ASCMD 2.2.1.16, 2.2.3.155.1 with Store Name "GAL"), and the
// directory lookup ResolveRecipients shares: the Global Address List is a CardDAV address
// book named in the YAML (`directory: {carddav: {href: ...}}`), read with the user's own
// credentials. A search lists the book (one sync-collection REPORT) and fetches it (one
// multiget), then matches in memory: fine for directories of a few thousand entries.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/vcard/eas_contact.h"
#include "gateway/core/status.h"
#include "gateway/eas/protocol_version.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

class RequestContext;

// Answers a Search whose Store Name is GAL (the caller checked the name).
void search_gal(std::shared_ptr<RequestContext> request, const WbxmlElement& store);

// Every entry of the configured GAL address book; an empty list when none is configured.
// `done` runs once, later, on the request's loop.
void load_gal(const std::shared_ptr<RequestContext>& request,
              std::function<void(Result<std::vector<vcard::EasContact>>)> done);

// The name shown for an entry: FN (FileAs), else "First Last", else the address.
std::string gal_display_name(const vcard::EasContact& contact);
// The entry's bare primary address ("a@b" out of "Name <a@b>"); empty when none.
std::string gal_email(const vcard::EasContact& contact);

// True when `query` (case-insensitive) starts the display name, a word of it, the first
// or last name, or the address — Exchange's GAL ambiguous-name match.
bool gal_matches(const vcard::EasContact& contact, std::string_view query);

// GAL picture options (MS-ASCMD 2.2.3.135.2).
struct GalPictureOptions {
  // Picture was asked for.
  bool wanted = false;
  // MaxSize in bytes of the decoded picture; 0: no limit.
  uint64_t max_size = 0;
  // MaxPictures per response; 0: no limit.
  uint64_t max_pictures = 0;
};

// Appends one entry's gal:* Properties (and gal:Picture when asked, counting
// `pictures_sent`) to `properties`.
void append_gal_properties(const vcard::EasContact& contact, ProtocolVersion version,
                           const GalPictureOptions& picture, uint64_t* pictures_sent,
                           WbxmlElement& properties);

}  // namespace easgate
