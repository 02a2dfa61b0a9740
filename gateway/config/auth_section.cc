#include <chrono>

#include "gateway/config/sections.h"

namespace easgate {

void parse_auth_section(ConfigContext& ctx, const ConfigField& field, AuthConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  ConfigField domain = m.field("default_domain", Need::kOptional, "a domain name");
  if (domain.present && read_string(ctx, domain, &out->default_domain)) {
    // Appended after '@' to bare logins, so it must be a bare domain.
    if (out->default_domain.find_first_of("@ \t/") != std::string::npos) {
      ctx.error(domain.mark, domain.path,
                "\"" + out->default_domain.substr(0, 60) +
                    "\" is not a domain (expected e.g. example.com, without '@')");
      out->default_domain.clear();
    }
  }
  m.duration("cache_ttl", Need::kOptional, std::chrono::seconds(0), std::chrono::hours(24),
             &out->cache_ttl);
}

}  // namespace easgate
