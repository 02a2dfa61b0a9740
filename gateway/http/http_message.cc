#include "gateway/http/http_message.h"

#include <strings.h>

namespace easgate {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

const std::string* HttpHeaders::find(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (iequals(n, name)) return &v;
  }
  return nullptr;
}

}  // namespace easgate
