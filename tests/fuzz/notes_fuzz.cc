// A note's iCalendar text comes from the DAV server: note_to_client must refuse what is not
// a VJOURNAL without crashing, and whatever it accepts must merge into a text it accepts
// again with the device's change in it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/commands/sync_dav_notes.h"
#include "gateway/eas/wbxml/tags.h"

using namespace easgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  WbxmlElement shown(tag::air_sync::kApplicationData);
  if (!note_to_client(input, shown).is_ok()) return 0;
  WbxmlElement change(tag::air_sync::kApplicationData);
  change.add_text(tag::notes::kSubject, "fuzzed change");
  auto merged = note_from_client(change, input, "u", 1800000000);
  if (!merged.is_ok()) return 0;  // a VJOURNAL libical cannot write back: refused, fine
  WbxmlElement again(tag::air_sync::kApplicationData);
  if (!note_to_client(*merged, again).is_ok()) abort();
  if (again.child_text(tag::notes::kSubject) != "fuzzed change") abort();
  return 0;
}
