// Several connections on one file (the worker-thread model) and crash safety.

#include <doctest/doctest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "tests/unit/store/store_test_util.h"

namespace easgate {
namespace {

using store_test::at;

const DeviceKey kShared{"alice@example.test", "Shared"};

TEST_CASE("two connections from two threads on one file neither corrupt nor deadlock") {
  store_test::TempDir dir;
  const std::string path = dir.file("state.db");
  constexpr int kRounds = 150;
  std::atomic<int> errors{0};
  std::atomic<int> folder_commits{0};
  std::string first_error;
  std::mutex error_mu;

  auto worker = [&](int id) {
    auto fail = [&](const Status& s) {
      std::lock_guard<std::mutex> lock(error_mu);
      if (errors++ == 0) first_error = s.to_string();
    };
    // Both threads open (and migrate) the fresh file at the same time.
    auto opened = open_sqlite_state_store(path);
    if (!opened) return fail(opened.status());
    StateStore& store = *opened.value();
    const CollectionKey coll{kShared.user_id, kShared.device_id, "c" + std::to_string(id)};
    for (int i = 0; i < kRounds; ++i) {
      auto d = store.upsert_device_seen(kShared, "iPhone", "ua", "16.1", at(i));
      if (!d) return fail(d.status());
      if (Status s = store.increment_command_count(kShared, "Sync"); !s) return fail(s);
      CollectionCommit c;
      c.base_generation = static_cast<uint32_t>(i);
      c.cursor = std::to_string(i + 1);
      c.items.add_backend_ids = {"uid:" + std::to_string(i)};
      auto r = store.commit_collection_generation(coll, c);
      if (!r) return fail(r.status());
      // Both threads race for the same device's hierarchy: exactly one wins each key.
      auto cur = store.load_current_folder_hierarchy(kShared);
      uint32_t next = cur ? cur->sync_key + 1 : 1;
      if (!cur && cur.status().kind() != ErrorKind::kNotFound) return fail(cur.status());
      Status fs = store.commit_folder_hierarchy(kShared, {next, {{"1", "0", "Inbox", 2, "imap:INBOX", "v"}}});
      if (fs) {
        ++folder_commits;
      } else if (fs.kind() != ErrorKind::kConflict) {
        return fail(fs);
      }
    }
  };
  std::thread a(worker, 1);
  std::thread b(worker, 2);
  a.join();
  b.join();
  CHECK_MESSAGE(errors.load() == 0, first_error);

  auto opened = open_sqlite_state_store(path);
  REQUIRE(opened.is_ok());
  StateStore& store = *opened.value();
  auto d = store.get_device(kShared);
  REQUIRE(d.is_ok());
  CHECK(d->command_counts["Sync"] == 2 * kRounds);
  for (int id : {1, 2}) {
    const CollectionKey coll{kShared.user_id, kShared.device_id, "c" + std::to_string(id)};
    auto state = store.load_current_collection_state(coll);
    REQUIRE(state.is_ok());
    CHECK(state->generation == kRounds);
    CHECK(store.list_items(coll, kRounds)->size() == kRounds);
  }
  CHECK(store.load_current_folder_hierarchy(kShared)->sync_key ==
        static_cast<uint32_t>(folder_commits.load()));
}

// The child commits generations as fast as it can and reports each commit on a pipe; the
// parent kills it with SIGKILL after a number of commits, i.e. at an arbitrary point,
// usually inside a transaction. Every generation g holds exactly 40*g items and cursor
// "c<g>"; the folder snapshot with key k holds k%5+1 folders named after k.
constexpr int kItemsPerCommit = 40;

[[noreturn]] void commit_forever(const std::string& path, int report_fd) {
  auto opened = open_sqlite_state_store(path);
  if (!opened) _exit(2);
  StateStore& store = *opened.value();
  const CollectionKey coll{kShared.user_id, kShared.device_id, "5"};
  for (uint32_t g = 0;; ++g) {
    CollectionCommit c;
    c.base_generation = g;
    c.cursor = "c" + std::to_string(g + 1);
    for (int i = 0; i < kItemsPerCommit; ++i) {
      c.items.add_backend_ids.push_back("g" + std::to_string(g) + ":" + std::to_string(i));
    }
    if (!store.commit_collection_generation(coll, c)) _exit(3);
    FolderHierarchySnapshot snap;
    snap.sync_key = g + 1;
    for (uint32_t i = 0; i <= (g + 1) % 5; ++i) {
      snap.folders.push_back({std::to_string(i + 1), "0", "k" + std::to_string(g + 1), 12,
                              "imap:x", "v"});
    }
    if (!store.commit_folder_hierarchy(kShared, snap)) _exit(4);
    char byte = 'c';
    if (write(report_fd, &byte, 1) != 1) _exit(5);
  }
}

TEST_CASE("a process killed mid-commit leaves the last committed generation intact") {
  store_test::TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto opened = open_sqlite_state_store(path);
    REQUIRE(opened.is_ok());
    REQUIRE((*opened)->upsert_device_seen(kShared, "iPhone", "ua", "16.1", at(0)).is_ok());
  }  // closed before fork: an SQLite connection must not cross fork()

  for (int round = 0; round < 3; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      close(fds[0]);
      // Each round continues from where the previous one left off.
      if (round > 0) {
        auto opened = open_sqlite_state_store(path);
        if (!opened) _exit(6);
        const CollectionKey coll{kShared.user_id, kShared.device_id, "5"};
        if (!(*opened)->reset_collection(coll) || !(*opened)->reset_folder_hierarchy(kShared)) {
          _exit(7);
        }
      }
      commit_forever(path, fds[1]);
    }
    close(fds[1]);
    const int wanted = 20 + 7 * round;
    int seen = 0;
    char buf[64];
    while (seen < wanted) {
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;  // child died on its own: reported below
      seen += static_cast<int>(n);
    }
    kill(child, SIGKILL);
    int wstatus = 0;
    REQUIRE(waitpid(child, &wstatus, 0) == child);
    close(fds[0]);
    REQUIRE_MESSAGE(seen >= wanted, "child exited early with status " << wstatus);
    CHECK(WIFSIGNALED(wstatus));

    auto opened = open_sqlite_state_store(path);
    REQUIRE_MESSAGE(opened.is_ok(), opened.status().to_string());
    StateStore& store = *opened.value();
    const CollectionKey coll{kShared.user_id, kShared.device_id, "5"};
    auto current = store.load_current_collection_state(coll);
    REQUIRE(current.is_ok());
    const uint32_t g = current->generation;
    CHECK(g >= static_cast<uint32_t>(seen));  // every reported commit survived
    CHECK(current->cursor == "c" + std::to_string(g));
    CHECK(store.list_items(coll, g)->size() == static_cast<size_t>(kItemsPerCommit) * g);
    auto prev = store.load_collection_state(coll, g - 1);
    REQUIRE(prev.is_ok());
    CHECK(prev->cursor == "c" + std::to_string(g - 1));
    CHECK(store.list_items(coll, g - 1)->size() == static_cast<size_t>(kItemsPerCommit) * (g - 1));

    auto folders = store.load_current_folder_hierarchy(kShared);
    REQUIRE(folders.is_ok());
    const uint32_t k = folders->sync_key;
    CHECK((k == g || k + 1 == g));  // killed between the two commits, or after both
    CHECK(folders->folders.size() == k % 5 + 1);
    for (const FolderEntry& f : folders->folders) CHECK(f.display_name == "k" + std::to_string(k));

    // The store carries on from the surviving generation.
    CollectionCommit next;
    next.base_generation = g;
    REQUIRE(store.commit_collection_generation(coll, next).is_ok());

    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "ok");
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
  }
}

}  // namespace
}  // namespace easgate
