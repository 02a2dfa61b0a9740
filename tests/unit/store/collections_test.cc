#include <doctest/doctest.h>
#include <sqlite3.h>

#include "tests/unit/store/store_test_util.h"

namespace easgate {
namespace {

using store_test::at;
using store_test::memory_store;

const DeviceKey kDev{"alice@example.test", "ApplDNA1"};
const CollectionKey kInbox{"alice@example.test", "ApplDNA1", "7"};

CollectionCommit make_commit(uint32_t base, std::vector<std::string> adds,
                             std::vector<std::string> removes = {}, std::string cursor = "") {
  CollectionCommit c;
  c.base_generation = base;
  c.folder_identity = "uidvalidity:42";
  c.cursor = cursor.empty() ? "modseq:" + std::to_string(base + 1) : cursor;
  c.items.add_backend_ids = std::move(adds);
  c.items.remove_server_ids = std::move(removes);
  c.now = at(base + 1);
  return c;
}

std::optional<std::string> backend_of(StateStore& s, uint32_t gen, const std::string& sid) {
  auto r = s.lookup_by_server_ids(kInbox, gen, {sid});
  REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  return (*r)[0];
}

std::optional<std::string> server_of(StateStore& s, uint32_t gen, const std::string& bid) {
  auto r = s.lookup_by_backend_ids(kInbox, gen, {bid});
  REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  return (*r)[0];
}

std::unique_ptr<StateStore> store_with_device() {
  auto store = memory_store();
  REQUIRE(store->upsert_device_seen(kDev, "iPhone", "ua", "16.1", at(0)).is_ok());
  return store;
}

TEST_CASE("collections: initial sync, generations N and N+1 kept, N-1 dropped") {
  auto store = store_with_device();
  CHECK(store->load_current_collection_state(kInbox).status().kind() == ErrorKind::kNotFound);

  auto g1 = store->commit_collection_generation(kInbox, make_commit(0, {}));
  REQUIRE(g1.is_ok());
  CHECK(g1->generation == 1);
  CHECK(g1->added_server_ids.empty());

  auto g2 = store->commit_collection_generation(kInbox, make_commit(1, {"uid:1", "uid:2"}));
  REQUIRE(g2.is_ok());
  CHECK(g2->generation == 2);
  REQUIRE(g2->added_server_ids.size() == 2);
  CHECK(g2->added_server_ids[0] == "7:1");
  CHECK(g2->added_server_ids[1] == "7:2");

  auto state2 = store->load_collection_state(kInbox, 2);
  REQUIRE(state2.is_ok());
  CHECK(state2->cursor == "modseq:2");
  CHECK(state2->folder_identity == "uidvalidity:42");
  CHECK(state2->committed_at == at(2));
  CHECK(store->load_collection_state(kInbox, 1).is_ok());
  CHECK(store->load_current_collection_state(kInbox)->generation == 2);

  // Map at generation 1 is empty, at 2 it has both items.
  CHECK_FALSE(backend_of(*store, 1, "7:1").has_value());
  CHECK(backend_of(*store, 2, "7:1") == std::optional<std::string>("uid:1"));
  CHECK(server_of(*store, 2, "uid:2") == std::optional<std::string>("7:2"));

  auto g3 = store->commit_collection_generation(kInbox, make_commit(2, {"uid:3"}, {"7:1"}));
  REQUIRE(g3.is_ok());
  CHECK(g3->added_server_ids == std::vector<std::string>{"7:3"});
  CHECK(store->load_collection_state(kInbox, 1).status().kind() == ErrorKind::kNotFound);
  CHECK(store->lookup_by_server_ids(kInbox, 1, {"7:1"}).status().kind() == ErrorKind::kNotFound);
  // 7:1 is still visible at 2 (a retry with key 2 must see it), gone at 3.
  CHECK(backend_of(*store, 2, "7:1") == std::optional<std::string>("uid:1"));
  CHECK_FALSE(backend_of(*store, 3, "7:1").has_value());
  CHECK_FALSE(backend_of(*store, 2, "7:3").has_value());
  CHECK(backend_of(*store, 3, "7:3") == std::optional<std::string>("uid:3"));

  auto items3 = store->list_items(kInbox, 3);
  REQUIRE(items3.is_ok());
  REQUIRE(items3->size() == 2);
  CHECK((*items3)[0].server_id == "7:2");
  CHECK((*items3)[1].backend_id == "uid:3");
  CHECK(store->list_items(kInbox, 2)->size() == 2);

  // Unknown or future keys.
  CHECK(store->commit_collection_generation(kInbox, make_commit(1, {})).status().kind() ==
        ErrorKind::kNotFound);
  CHECK(store->commit_collection_generation(kInbox, make_commit(9, {})).status().kind() ==
        ErrorKind::kNotFound);
  CHECK(store->load_collection_state(kInbox, 9).status().kind() == ErrorKind::kNotFound);
  CHECK(store->lookup_by_backend_ids(kInbox, 0, {"uid:2"}).status().kind() ==
        ErrorKind::kNotFound);
}

TEST_CASE("collections: a retry with the previous key replaces the unacknowledged generation") {
  auto store = store_with_device();
  REQUIRE(store->commit_collection_generation(kInbox, make_commit(0, {})).is_ok());
  REQUIRE(store->commit_collection_generation(kInbox, make_commit(1, {"uid:1", "uid:2"})).is_ok());
  // Generation 3 removes 7:1 and adds uid:3, but the response is lost.
  auto lost = store->commit_collection_generation(kInbox, make_commit(2, {"uid:3"}, {"7:1"}));
  REQUIRE(lost.is_ok());
  CHECK(lost->generation == 3);

  // The client repeats with key 2; the handler recomputes (now also uid:4) and commits again.
  auto redo = store->commit_collection_generation(
      kInbox, make_commit(2, {"uid:3", "uid:4"}, {"7:1"}, "modseq:3b"));
  REQUIRE(redo.is_ok());
  CHECK(redo->generation == 3);
  REQUIRE(redo->added_server_ids.size() == 2);
  // ServerIds are never reused, even those only in the discarded generation.
  CHECK(redo->added_server_ids[0] == "7:4");
  CHECK(redo->added_server_ids[1] == "7:5");
  CHECK(store->load_collection_state(kInbox, 3)->cursor == "modseq:3b");
  CHECK(store->load_collection_state(kInbox, 2).is_ok());
  CHECK_FALSE(backend_of(*store, 3, "7:3").has_value());  // discarded with the lost response
  CHECK_FALSE(backend_of(*store, 3, "7:1").has_value());
  CHECK(backend_of(*store, 2, "7:1") == std::optional<std::string>("uid:1"));
  CHECK(server_of(*store, 3, "uid:4") == std::optional<std::string>("7:5"));
  CHECK(store->list_items(kInbox, 3)->size() == 3);

  // A retry that no longer removes 7:1 brings it back at 3.
  auto redo2 = store->commit_collection_generation(kInbox, make_commit(2, {}));
  REQUIRE(redo2.is_ok());
  CHECK(backend_of(*store, 3, "7:1") == std::optional<std::string>("uid:1"));
  CHECK(store->list_items(kInbox, 3)->size() == 2);

  // Then the client moves on normally.
  REQUIRE(store->commit_collection_generation(kInbox, make_commit(3, {"uid:9"})).is_ok());
  CHECK(store->load_current_collection_state(kInbox)->generation == 4);
  CHECK(store->load_collection_state(kInbox, 2).status().kind() == ErrorKind::kNotFound);
}

TEST_CASE("collections: rebind, duplicate adds, map_items, pending window bytes") {
  auto store = store_with_device();
  CHECK(store->map_items(kInbox, {}).status().kind() == ErrorKind::kNotFound);
  CHECK(store->commit_collection_generation({"x@y", "nope", "1"}, make_commit(0, {}))
            .status().kind() == ErrorKind::kNotFound);

  CollectionCommit first = make_commit(0, {"uid:1"});
  first.pending_window = std::string("a\0b\xff", 4);
  REQUIRE(store->commit_collection_generation(kInbox, first).is_ok());
  CHECK(store->load_current_collection_state(kInbox)->pending_window == first.pending_window);

  // Rebind: same ServerId, new backend id; the previous generation still sees the old one.
  CollectionCommit second = make_commit(1, {});
  second.items.rebind = {{"7:1", "uid:10"}};
  REQUIRE(store->commit_collection_generation(kInbox, second).is_ok());
  CHECK(backend_of(*store, 1, "7:1") == std::optional<std::string>("uid:1"));
  CHECK(backend_of(*store, 2, "7:1") == std::optional<std::string>("uid:10"));
  CHECK(server_of(*store, 2, "uid:10") == std::optional<std::string>("7:1"));
  CHECK_FALSE(server_of(*store, 2, "uid:1").has_value());

  CollectionCommit bad = make_commit(2, {});
  bad.items.rebind = {{"7:99", "uid:x"}};
  CHECK(store->commit_collection_generation(kInbox, bad).status().kind() ==
        ErrorKind::kInvalidArgument);
  CHECK(store->load_current_collection_state(kInbox)->generation == 2);  // rolled back

  // An add of an already mapped backend id returns the existing ServerId.
  auto third = store->commit_collection_generation(kInbox, make_commit(2, {"uid:10", "uid:20",
                                                                           "uid:20"}));
  REQUIRE(third.is_ok());
  CHECK(third->added_server_ids ==
        std::vector<std::string>{"7:1", "7:2", "7:2"});

  // map_items changes the current generation without a new SyncKey.
  auto moved = store->map_items(kInbox, {{"uid:30"}, {"7:2"}, {}});
  REQUIRE(moved.is_ok());
  CHECK(*moved == std::vector<std::string>{"7:3"});
  CHECK(store->load_current_collection_state(kInbox)->generation == 3);
  CHECK(backend_of(*store, 3, "7:3") == std::optional<std::string>("uid:30"));
  CHECK_FALSE(backend_of(*store, 3, "7:2").has_value());  // added and removed within 3
  CHECK_FALSE(backend_of(*store, 2, "7:3").has_value());

  // reset keeps the counter: new ServerIds after a reset are fresh.
  REQUIRE(store->reset_collection(kInbox));
  CHECK(store->load_current_collection_state(kInbox).status().kind() == ErrorKind::kNotFound);
  auto again = store->commit_collection_generation(kInbox, make_commit(0, {"uid:1"}));
  REQUIRE(again.is_ok());
  CHECK(again->added_server_ids == std::vector<std::string>{"7:4"});

  // Base 0 also starts over when state exists (Sync SyncKey 0).
  REQUIRE(store->commit_collection_generation(kInbox, make_commit(1, {"uid:2"})).is_ok());
  auto restart = store->commit_collection_generation(kInbox, make_commit(0, {}));
  REQUIRE(restart.is_ok());
  CHECK(restart->generation == 1);
  CHECK(store->list_items(kInbox, 1)->empty());

  CHECK(store->commit_collection_generation({kDev.user_id, kDev.device_id, std::string(65, 'c')},
                                            make_commit(0, {})).status().kind() ==
        ErrorKind::kInvalidArgument);
  CollectionCommit overflow = make_commit(0, {});
  overflow.base_generation = UINT32_MAX;
  CHECK(store->commit_collection_generation(kInbox, overflow).status().kind() ==
        ErrorKind::kInvalidArgument);
}

TEST_CASE("collections: the item map grows by the changes, not by the folder size") {
  store_test::TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto opened = open_sqlite_state_store(path);
    REQUIRE(opened.is_ok());
    auto& store = *opened.value();
    REQUIRE(store.upsert_device_seen(kDev, "iPhone", "ua", "16.1", at(0)).is_ok());
    std::vector<std::string> many;
    for (int i = 0; i < 2000; ++i) many.push_back("uid:" + std::to_string(i));
    REQUIRE(store.commit_collection_generation(kInbox, make_commit(0, many)).is_ok());
    for (uint32_t g = 1; g <= 10; ++g) {
      REQUIRE(store.commit_collection_generation(
                       kInbox, make_commit(g, {"new:" + std::to_string(g)}))
                  .is_ok());
    }
    CHECK(store.list_items(kInbox, 11)->size() == 2010);
  }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT count(*) FROM collection_items", -1, &stmt, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(sqlite3_column_int64(stmt, 0) == 2010);  // one row per item, not per generation
  sqlite3_finalize(stmt);
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT count(*) FROM collection_generations", -1, &stmt,
                             nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(sqlite3_column_int64(stmt, 0) == 2);  // current and previous only
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

TEST_CASE("message metadata: per user, mailbox and UIDVALIDITY; empty deletes") {
  auto store = memory_store();
  MessageMetaKey inbox{"alice@example.test", "INBOX", 7};
  auto now = std::chrono::system_clock::now();
  REQUIRE(store->put_message_meta(inbox, 5, "f1 2", now).is_ok());
  REQUIRE(store->put_message_meta(inbox, 3, "v1 1 10", now).is_ok());
  REQUIRE(store->put_message_meta(inbox, 5, "f1 1", now).is_ok());  // replaced
  REQUIRE(store->put_message_meta({"bob@example.test", "INBOX", 7}, 5, "x", now).is_ok());
  REQUIRE(store->put_message_meta({"alice@example.test", "INBOX", 8}, 9, "y", now).is_ok());
  auto rows = store->list_message_meta(inbox);
  REQUIRE(rows.is_ok());
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0] == std::pair<uint32_t, std::string>{3, "v1 1 10"});
  CHECK((*rows)[1] == std::pair<uint32_t, std::string>{5, "f1 1"});
  REQUIRE(store->put_message_meta(inbox, 5, "", now).is_ok());
  CHECK(store->list_message_meta(inbox)->size() == 1);
  CHECK_FALSE(store->put_message_meta({"", "INBOX", 1}, 1, "z", now).is_ok());
}

}  // namespace
}  // namespace easgate
