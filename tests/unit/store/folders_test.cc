#include <doctest/doctest.h>

#include <set>

#include "tests/unit/store/store_test_util.h"

namespace easgate {
namespace {

using store_test::at;
using store_test::memory_store;

const DeviceKey kDev{"alice@example.test", "ApplDNA1"};

FolderHierarchySnapshot snapshot(uint32_t key, std::vector<std::string> names) {
  FolderHierarchySnapshot s;
  s.sync_key = key;
  int n = 1;
  for (const std::string& name : names) {
    s.folders.push_back({std::to_string(n), "0", name, n == 1 ? 2 : 12, "imap:" + name,
                         "uidvalidity:" + std::to_string(100 + n)});
    ++n;
  }
  return s;
}

TEST_CASE("folders: current and previous generations, older ones gone") {
  auto store = memory_store();
  REQUIRE(store->upsert_device_seen(kDev, "iPhone", "ua", "16.1", at(1)).is_ok());
  CHECK(store->load_current_folder_hierarchy(kDev).status().kind() == ErrorKind::kNotFound);

  REQUIRE(store->commit_folder_hierarchy(kDev, snapshot(1, {"INBOX"})));
  REQUIRE(store->commit_folder_hierarchy(kDev, snapshot(2, {"INBOX", "Work"})));

  auto current = store->load_current_folder_hierarchy(kDev);
  REQUIRE(current.is_ok());
  CHECK(current->sync_key == 2);
  REQUIRE(current->folders.size() == 2);
  const FolderEntry& work = current->folders[1];
  CHECK(work.server_id == "2");
  CHECK(work.parent_server_id == "0");
  CHECK(work.display_name == "Work");
  CHECK(work.type == 12);
  CHECK(work.backend_ref == "imap:Work");
  CHECK(work.backend_identity == "uidvalidity:102");

  // A client that lost the response retries with key 1 and gets the same snapshot.
  auto prev = store->load_folder_hierarchy(kDev, 1);
  REQUIRE(prev.is_ok());
  CHECK(prev->sync_key == 1);
  REQUIRE(prev->folders.size() == 1);
  CHECK(prev->folders[0].display_name == "INBOX");
  auto again = store->load_folder_hierarchy(kDev, 1);
  REQUIRE(again.is_ok());
  CHECK(again->folders.size() == prev->folders.size());

  REQUIRE(store->commit_folder_hierarchy(kDev, snapshot(3, {"INBOX", "Work", "Home"})));
  CHECK(store->load_folder_hierarchy(kDev, 1).status().kind() == ErrorKind::kNotFound);
  CHECK(store->load_folder_hierarchy(kDev, 2).is_ok());
  CHECK(store->load_folder_hierarchy(kDev, 3)->folders.size() == 3);
  CHECK(store->load_folder_hierarchy(kDev, 99).status().kind() == ErrorKind::kNotFound);
}

TEST_CASE("folders: commit rules") {
  auto store = memory_store();
  CHECK(store->commit_folder_hierarchy(kDev, snapshot(1, {"INBOX"})).kind() ==
        ErrorKind::kNotFound);  // unknown device
  REQUIRE(store->upsert_device_seen(kDev, "iPhone", "ua", "16.1", at(1)).is_ok());
  REQUIRE(store->commit_folder_hierarchy(kDev, snapshot(5, {"INBOX"})));
  // A second worker committing the same or an older key loses.
  CHECK(store->commit_folder_hierarchy(kDev, snapshot(5, {"INBOX", "X"})).kind() ==
        ErrorKind::kConflict);
  CHECK(store->commit_folder_hierarchy(kDev, snapshot(4, {"INBOX"})).kind() ==
        ErrorKind::kConflict);
  CHECK(store->load_current_folder_hierarchy(kDev)->folders.size() == 1);

  CHECK(store->commit_folder_hierarchy(kDev, snapshot(0, {})).kind() ==
        ErrorKind::kInvalidArgument);
  auto dup = snapshot(6, {"A", "B"});
  dup.folders[1].server_id = dup.folders[0].server_id;
  CHECK(store->commit_folder_hierarchy(kDev, dup).kind() == ErrorKind::kInvalidArgument);
  auto long_id = snapshot(6, {"A"});
  long_id.folders[0].server_id = std::string(65, '1');
  CHECK(store->commit_folder_hierarchy(kDev, long_id).kind() == ErrorKind::kInvalidArgument);
  auto root = snapshot(6, {"A"});
  root.folders[0].server_id = "0";
  CHECK(store->commit_folder_hierarchy(kDev, root).kind() == ErrorKind::kInvalidArgument);
  // An empty hierarchy is legal.
  REQUIRE(store->commit_folder_hierarchy(kDev, snapshot(6, {})));
  CHECK(store->load_current_folder_hierarchy(kDev)->folders.empty());
}

TEST_CASE("folders: server ids are fresh across resets; reset drops collection state") {
  auto store = memory_store();
  CHECK(store->allocate_folder_server_id(kDev).status().kind() == ErrorKind::kNotFound);
  REQUIRE(store->upsert_device_seen(kDev, "iPhone", "ua", "16.1", at(1)).is_ok());
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto id = store->allocate_folder_server_id(kDev);
    REQUIRE(id.is_ok());
    CHECK(id->size() <= 64);
    CHECK(ids.insert(*id).second);
  }
  REQUIRE(store->commit_folder_hierarchy(kDev, snapshot(1, {"INBOX"})));
  CollectionKey coll{kDev.user_id, kDev.device_id, "1"};
  CollectionCommit c;
  c.base_generation = 0;
  c.items.add_backend_ids = {"uid:1"};
  REQUIRE(store->commit_collection_generation(coll, c).is_ok());

  REQUIRE(store->reset_folder_hierarchy(kDev));
  CHECK(store->load_current_folder_hierarchy(kDev).status().kind() == ErrorKind::kNotFound);
  CHECK(store->load_folder_hierarchy(kDev, 1).status().kind() == ErrorKind::kNotFound);
  CHECK(store->load_current_collection_state(coll).status().kind() == ErrorKind::kNotFound);
  for (int i = 0; i < 3; ++i) {
    auto id = store->allocate_folder_server_id(kDev);
    REQUIRE(id.is_ok());
    CHECK(ids.insert(*id).second);  // never reused after the reset
  }
  // After a reset the client starts again with SyncKey 1.
  REQUIRE(store->commit_folder_hierarchy(kDev, snapshot(1, {"INBOX"})));
  // Another device's counter is independent and the first device's state is untouched.
  DeviceKey other{kDev.user_id, "Other"};
  REQUIRE(store->upsert_device_seen(other, "Android", "ua", "14.1", at(1)).is_ok());
  CHECK(*store->allocate_folder_server_id(other) == "1");
  CHECK(store->reset_folder_hierarchy({"x@y", "nope"}).kind() == ErrorKind::kNotFound);
}

}  // namespace
}  // namespace easgate
