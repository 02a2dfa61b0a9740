// vCards come from any CardDAV client that wrote to the server: parsing must give a value
// or an error, never a crash; and whatever easgate writes back into a card it could read
// must itself parse and carry the change (a merge never produces a card it cannot read).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "backends/vcard/eas_contact.h"
#include "backends/vcard/vcard_syntax.h"

using namespace easgate::vcard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto card = parse_vcard(text);
  if (card.is_ok()) (void)serialize_vcard(*card);
  auto contact = contact_from_vcard(text);
  if (!contact.is_ok()) return 0;
  EasContact changed = *contact;
  changed.first_name += "x";
  changed.email3_address = "fuzz@example.test";
  changed.categories.push_back("a,b;c");
  auto merged = vcard_from_contact(changed, text);
  if (!merged.is_ok()) std::abort();
  auto back = contact_from_vcard(*merged);
  if (!back.is_ok() || back->first_name != changed.first_name) std::abort();
  return 0;
}
