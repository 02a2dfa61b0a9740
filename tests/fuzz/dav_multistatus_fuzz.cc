// DAV servers are trusted less than they look: a multistatus body is parsed with libxml2
// under limits and must give a value or an error, never a crash or unbounded memory.
#include <cstddef>
#include <cstdint>

#include "backends/dav/dav_xml.h"

using namespace easgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = parse_multistatus(std::string_view(reinterpret_cast<const char*>(data), size),
                                  1 << 20);
  (void)parsed;
  return 0;
}
