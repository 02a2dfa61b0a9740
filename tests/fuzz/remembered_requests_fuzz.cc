// The stored Ping parameters and Sync request (gateway/push/remembered_requests.h): a row
// is read back after a restart, so a corrupt or hostile one must be refused, never crash,
// and whatever is accepted must store and read back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/eas/wbxml/wbxml_encoder.h"
#include "gateway/push/remembered_requests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto ping = easgate::decode_remembered_ping(input)) {
    auto again = easgate::decode_remembered_ping(easgate::encode_remembered_ping(*ping));
    if (!again || again->heartbeat_seconds != ping->heartbeat_seconds ||
        again->folders != ping->folders)
      std::abort();
  }
  if (auto sync = easgate::decode_remembered_sync(input)) {
    auto again = easgate::decode_remembered_sync(easgate::encode_wbxml(*sync));
    if (!again || !(*again == *sync)) std::abort();
  }
  return 0;
}
