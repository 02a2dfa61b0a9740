#pragma once
// EasContact <-> the ApplicationData of a Contacts item in Sync, ItemOperations and
// Search (MS-ASCNTC section 2.2.2; tags of code pages 1 Contacts, 12 Contacts2 and 17
// AirSyncBase from gateway/eas/wbxml/tags.h). Pure functions, thread-safe.
//
// Notes travel as Contacts:Body in 2.5 and as AirSyncBase:Body (type 1, plain text) from
// 12.0 on (MS-ASAIRS 2.2.2.9). Multi-line text is CRLF on the wire and LF in EasContact,
// so a value survives EAS -> vCard -> EAS unchanged.

#include <cstddef>

#include "backends/vcard/eas_contact.h"
#include "gateway/core/status.h"
#include "gateway/eas/protocol_version.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate::vcard {

// MS-ASCNTC 2.2.2.58: Picture is at most 48 KB of base64.
inline constexpr size_t kMaxPictureBase64Bytes = 48 * 1024;

// Appends the contact's elements to `application_data` (an AirSync:ApplicationData
// element): only fields with a value, only elements `version` defines. A picture above
// kMaxPictureBase64Bytes is left out. `body_truncation` > 0 cuts the notes to that many
// bytes (at a UTF-8 boundary) and marks them truncated (the client's BodyPreference
// TruncationSize, MS-ASAIRS 2.2.2.40.1).
void to_wbxml(const EasContact& contact, ProtocolVersion version, WbxmlElement& application_data,
              size_t body_truncation = 0);

// Reads an ApplicationData element a client sent in a Sync Add/Change. Unknown elements
// are ignored. kInvalidArgument with EAS status 6 (MS-ASCNTC 2.2.2.58) for a picture
// above the limit, or a WeightedRank that is not a number.
[[nodiscard]] Result<EasContact> contact_from_wbxml(const WbxmlElement& application_data,
                                                    ProtocolVersion version);

}  // namespace easgate::vcard
