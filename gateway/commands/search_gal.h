#pragma once
// The GAL store of Search (MS-ASCMD 2.2.1.16, 2.2.3.155.1 with Store Name "GAL"), and the
// directory lookup ResolveRecipients shares: the Global Address List is a CardDAV address
// book named in the YAML (`directory: {carddav: {href: ...}}`), read with the user's own
// credentials. A search asks the server for the cards whose FN or EMAIL contains the
// query (one addressbook-query REPORT, RFC 6352 section 8.6) and matches them exactly in
// memory; a server without that REPORT is listed (sync-collection) and fetched whole
// (multiget) instead.

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

// The cards of address book `book_href` whose FN or EMAIL contains one of `texts`
// (case-insensitively; a superset the caller filters with gal_matches), every card when
// `texts` is empty or the server has no addressbook-query. `done` runs once, on the
// request's loop.
void load_cards(const std::shared_ptr<RequestContext>& request, const std::string& book_href,
                std::vector<std::string> texts,
                std::function<void(Result<std::vector<vcard::EasContact>>)> done);

// load_cards on the configured GAL address book; an empty list when none is configured.
void load_gal(const std::shared_ptr<RequestContext>& request, std::vector<std::string> texts,
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
