// A Sync request body is untrusted WBXML: decoding it and taking it apart (collections,
// commands, Email options) must never crash. The same bytes also go through the decoders
// of the stored sync state, which must refuse anything they did not write.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/sync/email_sync_state.h"
#include "gateway/sync/sync_request.h"

using namespace easgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto w = decode_pending_window(input)) {
    if (decode_pending_window(encode_pending_window(*w)).has_value() == false) abort();
  }
  if (auto c = decode_cursor(input)) {
    if (!decode_cursor(encode_cursor(*c))) abort();
  }
  if (auto m = decode_message_meta(input)) {  // per-message metadata (flag details, verb)
    auto again = decode_message_meta(encode_message_meta(*m));
    if (!again || encode_message_meta(*again) != encode_message_meta(*m)) abort();
  }
  auto doc = decode_wbxml(input);
  if (!doc.is_ok()) return 0;
  auto r = parse_sync_request(doc.value());
  if (r.is_ok()) {
    for (const auto& c : r->collections)
      if (c.collection_id.empty()) abort();
  }
  return 0;
}
