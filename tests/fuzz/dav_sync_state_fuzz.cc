// The stored DAV sync state (cursor and pending window of a Calendar/Contacts/Tasks
// collection) comes back from the state store: a corrupt row must be refused, never
// misread, and whatever the decoders accept must survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gateway/sync/dav_sync_state.h"

using namespace easgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto c = decode_dav_cursor(input)) {
    auto again = decode_dav_cursor(encode_dav_cursor(*c));
    if (!again || !(*again == *c)) abort();
  }
  if (auto w = decode_dav_pending_window(input)) {
    auto again = decode_dav_pending_window(encode_dav_pending_window(*w));
    if (!again || !(*again == *w)) abort();
  }
  return 0;
}
