// Feeds arbitrary bytes to the HTTP/1.1 request parser in pieces whose sizes the input
// chooses, as a network would, then checks the parser's own invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gateway/http/http1_parser.h"

using namespace easgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Http1Limits limits;
  limits.max_header_bytes = 4096;
  limits.max_body_bytes = 1 << 16;
  Http1Parser parser(limits);
  // First byte picks the piece size, so split reads are explored too.
  size_t piece = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t offset = 0;
  while (offset < input.size()) {
    std::string_view chunk = input.substr(offset, piece);
    size_t consumed = 0;
    Http1ParseResult r = parser.feed(chunk, &consumed);
    if (consumed > chunk.size()) abort();
    if (r == Http1ParseResult::kError) {
      int status = parser.error().http_status();
      if (status < 400 || status > 505) abort();
      return 0;
    }
    if (r == Http1ParseResult::kComplete) {
      HttpRequest req = parser.take_request();
      if (req.body.size() > limits.max_body_bytes) abort();
      parser.reset();
    }
    if (consumed == 0 && r != Http1ParseResult::kHeadersDone) {
      if (r == Http1ParseResult::kNeedMore) abort();  // NeedMore must consume everything
    }
    offset += consumed;
  }
  return 0;
}
