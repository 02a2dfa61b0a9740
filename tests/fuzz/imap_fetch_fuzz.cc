// An IMAP server's FETCH responses (ENVELOPE, BODYSTRUCTURE, flags, sections) and the UID
// sets of SEARCH / VANISHED / COPYUID are untrusted input: every byte sequence must give
// a value or an error, never a crash, a hang or unbounded memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "backends/imap/imap_fetch.h"
#include "backends/imap/imap_sequence.h"

using namespace easgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view wire(reinterpret_cast<const char*>(data), size);
  ImapParserLimits limits;
  limits.max_literal = 1 << 20;
  limits.max_response = 1 << 21;
  ImapResponseParser parser(limits);
  parser.feed(wire);
  std::vector<ImapResponse> responses;
  for (int i = 0; i < 1000; ++i) {
    auto next = parser.next();
    if (!next || !next->has_value()) break;
    responses.push_back(std::move(**next));
  }
  for (const ImapResponse& r : responses) {
    auto d = parse_fetch_response(r);
    (void)d;
  }
  auto s = search_result(responses, 100000);
  auto v = vanished_uids(responses, 100000);
  auto c = find_copyuid("", {}, responses, 100000);
  (void)s;
  (void)v;
  (void)c;
  return 0;
}
