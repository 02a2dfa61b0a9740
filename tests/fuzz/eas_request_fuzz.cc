// The MS-ASHTTP query parser sees untrusted query strings in both forms (plain and base64)
// and untrusted headers; it must only ever return a request or a 400.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gateway/eas/eas_request.h"

using namespace easgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t split = input.find('\n');
  HttpRequest request;
  request.method = "POST";
  request.path = "/Microsoft-Server-ActiveSync";
  request.query = std::string(input.substr(0, split));
  if (split != std::string_view::npos) {
    std::string_view rest = input.substr(split + 1);
    size_t second = rest.find('\n');
    request.headers.add("MS-ASProtocolVersion", std::string(rest.substr(0, second)));
    if (second != std::string_view::npos) {
      request.headers.add("X-MS-PolicyKey", std::string(rest.substr(second + 1)));
    }
  }
  auto parsed = parse_eas_request(request);
  if (parsed.is_ok()) {
    if (!parsed->command || parsed->device_id.empty() || parsed->device_id.size() > 32) abort();
  } else if (parsed.status().http_status() != 400) {
    abort();
  }
  return 0;
}
