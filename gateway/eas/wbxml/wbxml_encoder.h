#pragma once
// WBXML encoder for EAS responses (MS-ASWBXML 2.1.2): header 03 01 6A 00 (WBXML 1.3,
// unknown public id, UTF-8, no string table), SWITCH_PAGE only when the page changes,
// STR_I for text, OPAQUE for bytes, and the no-content tag form for empty leaf elements.
// Cannot fail for a tree built from Tag constants; thread-safe.

#include <string>

#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// Encodes `doc.root`; the header fields of `doc` are not written (EAS framing is fixed).
// Text containing a NUL byte cannot be an inline string and is written as OPAQUE.
std::string encode_wbxml(const WbxmlDocument& doc);

// Same, appending to `out` (lets a caller reuse a buffer across responses).
void encode_wbxml_to(const WbxmlElement& root, std::string& out);

}  // namespace easgate
