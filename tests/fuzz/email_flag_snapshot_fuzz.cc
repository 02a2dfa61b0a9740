// The no-CONDSTORE flag snapshot (UID -> IMAP flags) rides in a mail collection's stored
// cursor text: a corrupt row must be refused (the Sync then diffs as if flagless, sending
// a Change too many, never losing one), never misread, and whatever the decoder accepts must
// survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/sync/email_flag_snapshot.h"
#include "gateway/sync/email_sync_state.h"

using namespace easgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  if (auto s = decode_flag_snapshot(input)) {
    auto again = decode_flag_snapshot("e1 0 1 0" + encode_flag_snapshot(s));
    if (!again || !(*again == *s)) abort();
    if (snapshot_list(*s).size() != s->size()) abort();
  }
  return 0;
}
