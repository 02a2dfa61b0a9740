#pragma once
// Helpers shared by the state store tests.

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "gateway/store/sqlite/sqlite_state_store.h"

namespace easgate::store_test {

// A fresh in-memory store; fails the test when it cannot be opened.
inline std::unique_ptr<StateStore> memory_store() {
  Result<std::unique_ptr<StateStore>> store = open_sqlite_state_store(":memory:");
  REQUIRE_MESSAGE(store.is_ok(), store.status().to_string());
  return std::move(store).value();
}

// Fixed, distinct points in time (no clock reads in tests).
inline StoreTime at(int64_t seconds) {
  return StoreTime(std::chrono::seconds(1'800'000'000 + seconds));
}

// A private temporary directory removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "easgate-store-XXXXXX");
    char* made = mkdtemp(pattern.data());
    REQUIRE(made != nullptr);
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace easgate::store_test
