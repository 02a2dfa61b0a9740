// libFuzzer target for the admin API's strict JSON parser (gateway/admin/json.h): any input
// either fails with a Status or parses to a value whose compact and pretty dumps parse back
// to the same value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/admin/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace easgate;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<JsonValue> parsed = parse_json(text);
  if (!parsed.is_ok()) return 0;
  Result<JsonValue> again = parse_json(parsed->dump());
  if (!again.is_ok() || !(*again == *parsed)) std::abort();
  Result<JsonValue> pretty = parse_json(parsed->dump_pretty());
  if (!pretty.is_ok() || !(*pretty == *parsed)) std::abort();
  return 0;
}
