#pragma once
// WBXML 1.3 decoder for EAS bodies (WAP-192-WBXML, as profiled by MS-ASWBXML 2.1.2).
// One pass over the input, no recursion, no per-byte allocation. Everything EAS never
// sends is rejected: attributes, LITERAL tags, extensions, processing instructions,
// charsets other than UTF-8. Every failure is Status::malformed("wbxml: ... at offset N").
// Thread-safe (no shared state).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/core/status.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// Bounds that keep a hostile body from exhausting memory or time.
struct WbxmlLimits {
  uint32_t max_depth = 64;                // deepest element nesting; the root is depth 1
  uint64_t max_string = 64ull << 20;      // longest STR_I / OPAQUE / string table, bytes
  uint64_t max_elements = 1u << 20;       // total elements in the document
};

// Decodes a complete document (header + exactly one root element, nothing after it).
Result<WbxmlDocument> decode_wbxml(std::string_view bytes, const WbxmlLimits& limits = {});

}  // namespace easgate
