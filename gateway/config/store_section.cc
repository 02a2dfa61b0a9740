#include <array>

#include "gateway/config/sections.h"

namespace easgate {
namespace {

constexpr std::array<EnumName<StoreDriver>, 2> kDrivers{{
    {"sqlite", StoreDriver::kSqlite},
    {"postgres", StoreDriver::kPostgres},
}};

}  // namespace

void parse_store_section(ConfigContext& ctx, const ConfigField& field, StoreConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  ConfigField driver = m.field("driver", Need::kOptional, "sqlite");
  if (driver.present && read_enum<StoreDriver>(ctx, driver, kDrivers, &out->driver) &&
      out->driver == StoreDriver::kPostgres) {
    // Accepted as a name so configs can be written ahead; the store is a later issue.
    ctx.error(driver.mark, driver.path, "\"postgres\" is not supported yet (expected sqlite)");
  }
  // The database file is created on first start, so only its spelling is checked here.
  m.path_value("path", Need::kRequired, false, "the SQLite database file", &out->path);
}

}  // namespace easgate
