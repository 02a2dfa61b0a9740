#include "gateway/config/sections.h"

namespace easgate {

// directory:
//   carddav: {href: /gal/contacts/}
//   max_results: 100
void parse_directory_section(ConfigContext& ctx, const ConfigField& field, DirectoryConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  MapReader carddav(ctx, m.field("carddav", Need::kOptional, "a map with href"));
  if (carddav.valid()) {
    carddav.string("href", Need::kRequired, &out->carddav_href);
    if (!out->carddav_href.empty() && out->carddav_href.front() != '/') {
      ctx.error(carddav.field("href", Need::kOptional, "").mark, carddav.path() + ".href",
                "expected an absolute path on the DAV server (\"/gal/contacts/\")");
    }
    if (!out->carddav_href.empty() && out->carddav_href.back() != '/') out->carddav_href += '/';
  }
  m.unsigned_value<uint32_t>("max_results", Need::kOptional, 1, 1000, &out->max_results);
}

}  // namespace easgate
