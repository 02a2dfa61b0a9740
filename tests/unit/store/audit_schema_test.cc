#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fstream>

#include "gateway/store/sqlite/schema.h"
#include "tests/unit/store/store_test_util.h"

namespace easgate {
namespace {

using store_test::at;
using store_test::memory_store;

void raw_exec(const std::string& path, const char* sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  CHECK(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
}

TEST_CASE("audit: append and list since, oldest first, limited") {
  auto store = memory_store();
  for (int i = 0; i < 5; ++i) {
    auto id = store->append_audit({0, at(i), "admin", "device.block",
                                   "alice@example.test/ApplDNA1", "n=" + std::to_string(i)});
    REQUIRE(id.is_ok());
    CHECK(*id == i + 1);
  }
  auto since2 = store->list_audit(at(2), 10);
  REQUIRE(since2.is_ok());
  REQUIRE(since2->size() == 3);
  CHECK((*since2)[0].details == "n=2");
  CHECK((*since2)[0].at == at(2));
  CHECK((*since2)[0].actor == "admin");
  CHECK((*since2)[0].action == "device.block");
  CHECK((*since2)[0].target == "alice@example.test/ApplDNA1");
  CHECK((*since2)[2].details == "n=4");
  auto limited = store->list_audit(at(0), 2);
  REQUIRE(limited.is_ok());
  CHECK(limited->size() == 2);
  CHECK(store->list_audit(at(0), SIZE_MAX)->size() == 5);
  CHECK(store->append_audit({0, at(1), "a", "", "t", ""}).status().kind() ==
        ErrorKind::kInvalidArgument);
}

TEST_CASE("schema: a new file is migrated, reopen keeps data and version") {
  store_test::TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto store = open_sqlite_state_store(path);
    REQUIRE_MESSAGE(store.is_ok(), store.status().to_string());
    auto v = (*store)->schema_version();
    REQUIRE(v.is_ok());
    CHECK(*v == sqlite_latest_schema_version());
    REQUIRE((*store)->upsert_device_seen({"a@x", "D1"}, "iPhone", "ua", "16.1", at(1)).is_ok());
  }
  {
    auto store = open_sqlite_state_store(path);
    REQUIRE(store.is_ok());
    CHECK(*(*store)->schema_version() == sqlite_latest_schema_version());
    CHECK((*store)->get_device({"a@x", "D1"}).is_ok());
  }
  // The file is in WAL mode, so several workers can read while one writes.
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

TEST_CASE("schema: a database from a newer easgate is refused") {
  store_test::TempDir dir;
  const std::string path = dir.file("state.db");
  REQUIRE(open_sqlite_state_store(path).is_ok());
  raw_exec(path, "UPDATE schema_version SET version = 999");
  auto store = open_sqlite_state_store(path);
  REQUIRE_FALSE(store.is_ok());
  CHECK(store.status().kind() == ErrorKind::kUnsupported);
  CHECK(store.status().message().find("999") != std::string::npos);
}

TEST_CASE("schema: a file that is not a database fails cleanly") {
  store_test::TempDir dir;
  const std::string path = dir.file("garbage.db");
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(8192, 'x');
  }
  auto store = open_sqlite_state_store(path);
  REQUIRE_FALSE(store.is_ok());
  CHECK(store.status().kind() == ErrorKind::kInternal);
  CHECK(open_sqlite_state_store(dir.file("missing-dir/x.db")).status().kind() ==
        ErrorKind::kInternal);
}

}  // namespace
}  // namespace easgate
