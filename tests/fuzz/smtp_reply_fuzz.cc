// libFuzzer target for the SMTP reply parser: nothing may crash, only kMalformed may be
// reported, and splitting the input at any point must give the same replies (the client
// sees a server's bytes in arbitrary read-sized pieces).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "backends/smtp/smtp_reply_parser.h"

namespace {

struct Outcome {
  std::vector<easgate::SmtpReply> replies;
  bool failed = false;
};

Outcome parse(std::string_view a, std::string_view b) {
  easgate::SmtpReplyLimits limits;
  limits.max_line = 512;
  limits.max_lines = 16;
  easgate::SmtpReplyParser p(limits);
  Outcome out;
  for (std::string_view part : {a, b}) {
    p.feed(part);
    for (;;) {
      auto r = p.next();
      if (!r.is_ok()) {
        if (r.status().kind() != easgate::ErrorKind::kMalformed) std::abort();
        out.failed = true;
        return out;
      }
      if (!r->has_value()) break;
      const easgate::SmtpReply& reply = **r;
      if (reply.code < 200 || reply.code > 559 || reply.lines.empty()) std::abort();
      (void)easgate::parse_ehlo_capabilities(reply);
      out.replies.push_back(**r);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Outcome whole = parse(in, {});
  size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  Outcome split = parse(in.substr(0, cut), in.substr(cut));
  if (whole.failed != split.failed || whole.replies.size() != split.replies.size()) {
    std::fprintf(stderr, "split at %zu changed the outcome\n", cut);
    std::abort();
  }
  for (size_t i = 0; i < whole.replies.size(); ++i)
    if (whole.replies[i].code != split.replies[i].code ||
        whole.replies[i].lines != split.replies[i].lines)
      std::abort();
  return 0;
}
