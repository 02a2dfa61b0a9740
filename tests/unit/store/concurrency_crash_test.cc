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

// Crash safety. The child commits generations in a loop and reports each commit on a
// pipe. A progress handler, installed on every connection it opens, raises SIGKILL after a
// chosen number of SQLite VM steps: a deterministic kill at an arbitrary point, most often
// inside a transaction. Every generation g holds exactly kItemsPerCommit*g items and cursor
// "c<g>"; the folder snapshot with key k holds k%5+1 folders named after k.
constexpr int kItemsPerCommit = 40;

uint64_t g_kill_after_steps = 0;  // child only: VM step budget before SIGKILL
uint64_t g_steps = 0;             // child only: steps so far (counted in batches)
constexpr int kStepBatch = 50;    // progress handler granularity

int count_steps_then_die(void*) {
  g_steps += kStepBatch;
  if (g_steps >= g_kill_after_steps) raise(SIGKILL);
  return 0;
}

int install_killer(sqlite3* db, char**, const sqlite3_api_routines*) {
  sqlite3_progress_handler(db, kStepBatch, count_steps_then_die, nullptr);
  return SQLITE_OK;
}

[[noreturn]] void commit_until_killed(const std::string& path, int report_fd,
                                      uint64_t kill_after_steps) {
  g_kill_after_steps = kill_after_steps;
  sqlite3_auto_extension(reinterpret_cast<void (*)()>(install_killer));
  auto opened = open_sqlite_state_store(path);
  if (!opened) _exit(2);
  StateStore& store = *opened.value();
  const CollectionKey coll{kShared.user_id, kShared.device_id, "5"};
  // Each round starts from scratch (a child of an earlier round left state behind).
  if (!store.reset_collection(coll) || !store.reset_folder_hierarchy(kShared)) _exit(3);
  for (uint32_t g = 0;; ++g) {
    CollectionCommit c;
    c.base_generation = g;
    c.cursor = "c" + std::to_string(g + 1);
    for (int i = 0; i < kItemsPerCommit; ++i) {
      c.items.add_backend_ids.push_back("g" + std::to_string(g) + ":" + std::to_string(i));
    }
    if (!store.commit_collection_generation(coll, c)) _exit(4);
    FolderHierarchySnapshot snap;
    snap.sync_key = g + 1;
    for (uint32_t i = 0; i <= (g + 1) % 5; ++i) {
      snap.folders.push_back({std::to_string(i + 1), "0", "k" + std::to_string(g + 1), 12,
                              "imap:x", "v"});
    }
    if (!store.commit_folder_hierarchy(kShared, snap)) _exit(5);
    char byte = 'c';
    if (write(report_fd, &byte, 1) != 1) _exit(6);
  }
}

void check_integrity(const std::string& path) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "ok");
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

TEST_CASE("a process killed mid-commit leaves the last committed generation intact") {
  store_test::TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto opened = open_sqlite_state_store(path);
    REQUIRE(opened.is_ok());
    REQUIRE((*opened)->upsert_device_seen(kShared, "iPhone", "ua", "16.1", at(0)).is_ok());
  }  // closed before fork: an SQLite connection must not cross fork()

  const CollectionKey coll{kShared.user_id, kShared.device_id, "5"};
  for (uint64_t round = 0; round < 12; ++round) {
    // Spread the kill points over many commits and over every phase of one commit.
    const uint64_t kill_after = 30'000 + round * 23'011 + (round * round * 1'237) % 5'000;
    CAPTURE(round);
    CAPTURE(kill_after);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      close(fds[0]);
      commit_until_killed(path, fds[1], kill_after);
    }
    close(fds[1]);
    int seen = 0;
    char buf[64];
    for (;;) {  // until the child is gone and the pipe closes
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      seen += static_cast<int>(n);
    }
    close(fds[0]);
    int wstatus = 0;
    REQUIRE(waitpid(child, &wstatus, 0) == child);
    REQUIRE_MESSAGE(WIFSIGNALED(wstatus), "child exited with status " << WEXITSTATUS(wstatus));
    CHECK(WTERMSIG(wstatus) == SIGKILL);
    CAPTURE(seen);

    auto opened = open_sqlite_state_store(path);
    REQUIRE_MESSAGE(opened.is_ok(), opened.status().to_string());
    StateStore& store = *opened.value();
    auto current = store.load_current_collection_state(coll);
    if (!current) {
      CHECK(current.status().kind() == ErrorKind::kNotFound);
      CHECK(seen == 0);
      continue;
    }
    const uint32_t g = current->generation;
    CHECK(g >= static_cast<uint32_t>(seen));  // every reported commit survived
    CHECK(current->cursor == "c" + std::to_string(g));
    CHECK(store.list_items(coll, g)->size() == static_cast<size_t>(kItemsPerCommit) * g);
    if (g > 1) {
      auto prev = store.load_collection_state(coll, g - 1);
      REQUIRE(prev.is_ok());
      CHECK(prev->cursor == "c" + std::to_string(g - 1));
      CHECK(store.list_items(coll, g - 1)->size() ==
            static_cast<size_t>(kItemsPerCommit) * (g - 1));
    }

    auto folders = store.load_current_folder_hierarchy(kShared);
    uint32_t k = 0;
    if (folders) {
      k = folders->sync_key;
      CHECK(folders->folders.size() == k % 5 + 1);
      for (const FolderEntry& f : folders->folders) {
        CHECK(f.display_name == "k" + std::to_string(k));
      }
    } else {
      CHECK(folders.status().kind() == ErrorKind::kNotFound);
    }
    CHECK((k == g || k + 1 == g));  // killed between the two commits, or after both

    // The store carries on from the surviving generation.
    CollectionCommit next;
    next.base_generation = g;
    REQUIRE(store.commit_collection_generation(coll, next).is_ok());
    check_integrity(path);
  }
}

}  // namespace
}  // namespace easgate
