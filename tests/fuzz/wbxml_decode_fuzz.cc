// libFuzzer target for the WBXML decoder: nothing may crash, and whatever decodes must
// survive encode -> decode unchanged (the encoder and decoder agree on every tree).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace easgate;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  WbxmlLimits limits;
  limits.max_string = 1 << 20;  // keep single inputs cheap; the logic is the same
  auto doc = decode_wbxml(in, limits);
  if (!doc.is_ok()) {
    if (doc.status().kind() != ErrorKind::kMalformed) std::abort();
    return 0;
  }
  std::string again = encode_wbxml(*doc);
  auto back = decode_wbxml(again, limits);
  if (!back.is_ok()) {
    std::fprintf(stderr, "re-encoded document does not decode: %s\n",
                 back.status().to_string().c_str());
    std::abort();
  }
  if (!(*back == *doc)) {
    std::fprintf(stderr, "decode(encode(tree)) != tree\n");
    std::abort();
  }
  // Encoding is canonical: a second round gives the same bytes.
  if (encode_wbxml(*back) != again) std::abort();
  return 0;
}
