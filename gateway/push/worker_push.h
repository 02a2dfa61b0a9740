#pragma once
// One worker's held Pings (DESIGN.md "A held request costs a few kilobytes"): each is a
// small object on this worker's loop with a heartbeat timer, the request (its responder
// notices a vanished client) and the folders it watches. Pings of the same user on this
// worker share one UserWatch: one change check per event for all of the user's devices,
// one optional IMAP watcher subscription (push.imap_watch: the user's one watch for the
// whole process, gateway/push/imap_watch_registry.h), one interval check for DAV collections.
//
// Which folders changed: each watched folder has a baseline marker taken when the Ping
// starts (IMAP "UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ/MESSAGES", DAV sync-token or ctag); an
// event re-reads the markers once per user and answers Status 2 with every folder whose
// marker moved. Baselines come from the user's shared marker cache when it has one, so N
// devices cost one STATUS per folder, not N. A folder the device has synced takes its
// baseline from the cursor its last Sync committed instead (sync_cursor_baseline.h), so a
// change that arrived between that Sync and the Ping is reported at once.
//
// A hanging Sync (MS-ASCMD 2.2.3.194 Wait / 2.2.3.90 HeartbeatInterval) is held the same
// way with an EndHandler: on a change or at its end the handler answers, not a Ping reply.
//
// Threading: everything runs on the worker's loop; other threads reach it only through
// PushHub, which posts.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/api/credentials.h"
#include "gateway/push/push_hub.h"

struct event;

namespace easgate {

class ChangeWatcher;
class RequestContext;
struct WorkerServices;

// Where a watched folder lives.
enum class FolderBackend : uint8_t {
  kMail,  // IMAP mailbox
  kDav,   // CalDAV / CardDAV collection
};

// One folder of a Ping, resolved against the device's folder hierarchy.
struct WatchedFolder {
  std::string id;            // the folder's ServerId (answered in Status 2)
  FolderBackend backend = FolderBackend::kMail;  // where it lives
  std::string ref;           // IMAP mailbox name or DAV collection href
  std::string baseline;      // marker when the Ping started; "" until known
};

class WorkerPush {
 public:
  // `watcher` may be nullptr (imap_watch off). All references outlive this object.
  WorkerPush(size_t worker_index, WorkerServices& services, PushHub& hub,
             ChangeWatcher* watcher);
  ~WorkerPush();  // frees timers; held requests end without an answer (loop exit)
  WorkerPush(const WorkerPush&) = delete;
  WorkerPush& operator=(const WorkerPush&) = delete;

  // How a held request ends: Ping `status` (1 expired/superseded, 2 changes, 7 folder
  // gone) and the ServerIds of the changed folders. Called once, on this worker's loop.
  using EndHandler = std::function<void(int status, std::vector<std::string> changed)>;

  // Holds a validated Ping until a change, its heartbeat, a newer request of the device,
  // the client going away, or end_all(). Ends an older held request of the same device.
  // With `on_end` (a hanging Sync) the handler answers instead of a Ping response;
  // `command` labels easgate_held_requests.
  void hold(std::shared_ptr<RequestContext> request, uint32_t heartbeat_seconds,
            std::vector<WatchedFolder> folders, EndHandler on_end = {},
            const char* command = "Ping");

  // From PushHub (posted): a change report for `user`.
  void on_wake(const std::string& user, const WakeEvent& event);
  // From PushHub (posted): ends held request `id` with `status`; no-op if already gone.
  void end(uint64_t id, int status);
  // From PushHub (posted): answers every held request with Status 1 and holds no more.
  void end_all();

  size_t held_count() const { return held_.size(); }
  PushHub& hub() { return hub_; }

 private:
  struct HeldPing;
  struct UserWatch;
  friend struct HeldPing;
  friend struct UserWatch;

  UserWatch& watch_for(const std::string& user);
  void probe(const std::shared_ptr<UserWatch>& watch, const WakeEvent* event);
  void evaluate(UserWatch& watch);
  void answer(uint64_t id, int status, std::vector<std::string> changed);
  void forget(uint64_t id);
  // Takes a held Ping out of every index (hub, user watch, metrics); nullptr if gone.
  std::unique_ptr<HeldPing> take(uint64_t id);
  void arm_poll(UserWatch& watch);
  void update_watcher(UserWatch& watch);
  // True when an event source reports changes of `mailbox` (no interval check needed).
  bool mailbox_covered(const UserWatch& watch, const std::string& mailbox) const;
  bool needs_poll(const UserWatch& watch) const;

  const size_t worker_index_;
  WorkerServices& services_;
  PushHub& hub_;
  ChangeWatcher* watcher_;
  bool draining_ = false;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<HeldPing>> held_;
  std::unordered_map<std::string, std::shared_ptr<UserWatch>> users_;
};

}  // namespace easgate
