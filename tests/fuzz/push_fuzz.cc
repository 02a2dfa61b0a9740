// Untrusted input of Direct Push: the Ping body (decoded WBXML -> PingRequest -> decision)
// and the Dovecot push endpoint's JSON. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/push/dovecot_push_event.h"
#include "gateway/push/ping_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    auto event = easgate::parse_dovecot_push_event(input);
    if (event.is_ok()) (void)easgate::push_user_id(event->user, "example.test");
    return 0;
  }
  auto doc = easgate::decode_wbxml(input);
  if (!doc.is_ok()) return 0;
  auto request = easgate::parse_ping_request(&doc->root);
  if (!request) return 0;
  easgate::RememberedPing last{300, {{"1", "Email"}}};
  auto decision = easgate::decide_ping(*request, last, easgate::PingLimits{});
  (void)easgate::ping_response(decision.status, {"1"}, decision.heartbeat_seconds,
                               decision.max_folders);
  return 0;
}
