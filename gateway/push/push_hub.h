#pragma once
// The process-wide directory of held requests (Ping now, hanging Sync later): which worker
// holds which device's request, which workers hold requests of which user, and the Ping
// parameters each device used last. Events from any thread (the push endpoint, a watcher,
// a newer request on another worker) reach the owning worker only through Worker::post
// (STYLE.md habit 5): the hub never touches a held request itself.
//
// Thread-safety: every method may be called from any thread; one mutex guards the maps
// (held for O(1) map work, never across a post or a callback).

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/eas/wbxml/wbxml_element.h"
#include "gateway/push/ping_request.h"
#include "gateway/store/state_store.h"

namespace easgate {

class Metrics;
class WorkerPush;

// Where a change report came from (metrics and logs).
enum class WakeSource : uint8_t {
  kPushEndpoint,  // Dovecot push_notification (OX driver) posted to /push/dovecot
  kImapNotify,    // an IMAP NOTIFY (RFC 5465) watcher saw a change
  kImapIdle,      // an IMAP IDLE (RFC 2177) watcher saw a change
  kPoll,          // the per-user interval check (DAV sync-token, IMAP STATUS fallback)
};
inline constexpr size_t kWakeSourceCount = 4;
const char* wake_source_name(WakeSource source);

// The key a user is known by in the hub and in WorkerPush: the mailbox address
// lower-cased, so "Alice@example.test" from a device and "alice" from Dovecot meet.
std::string push_user_key(std::string_view user);

// One change report for a user.
struct WakeEvent {
  WakeSource source = WakeSource::kPushEndpoint;  // who reported it
  std::string mailbox;  // IMAP mailbox that changed; "" = unknown, check every folder
};

// Identifies one held request: its worker and the worker-local id.
struct HeldRef {
  size_t worker = 0;  // index of the owning worker
  uint64_t id = 0;    // WorkerPush's id of the held request; ids are never reused
  friend bool operator==(const HeldRef&, const HeldRef&) = default;
};

// Counters for /metrics-style reporting and the benchmark.
struct PushHubStats {
  uint64_t held = 0;        // requests held right now
  uint64_t superseded = 0;  // held requests ended by a newer one of the same device
  std::array<uint64_t, kWakeSourceCount> wakes{};  // wake events accepted, by source
};

class PushHub {
 public:
  // Posts a closure to a worker's loop; false once the worker has stopped.
  using Poster = std::function<bool(std::function<void()>)>;

  PushHub(size_t workers, PingLimits limits);

  // Start-up (before serving): how to reach worker `index`.
  void attach_worker(size_t index, Poster post);
  // On worker `index`'s own thread: its WorkerPush (nullptr when it goes away). Closures
  // the hub posts find it through this slot, so a late closure after shutdown is a no-op.
  void set_worker_push(size_t index, WorkerPush* push);
  // Worker `index`'s WorkerPush; only meaningful on that worker's thread.
  WorkerPush* worker_push(size_t index) const { return slots_.at(index).push; }
  size_t workers() const { return slots_.size(); }
  // Runs `fn` on worker `index`'s loop, from any thread (the IMAP watch registry's notices);
  // dropped once that worker has stopped.
  void post(size_t index, std::function<void()> fn) { post_to(index, std::move(fn)); }

  // Records `ref` as the held request of (user, device). Returns the request it replaces,
  // which the caller ends with end_held() (MS-ASCMD 3.2.5: a newer Ping or Sync of the
  // same device ends the older one at once).
  std::optional<HeldRef> hold(const std::string& user, const std::string& device_id,
                              HeldRef ref);
  // Forgets `ref` (answered, aborted). No-op when a newer request already replaced it.
  void release(const std::string& user, const std::string& device_id, HeldRef ref);
  // The held request of (user, device), if any: lets a Sync end a held Ping.
  std::optional<HeldRef> find_held(const std::string& user, const std::string& device_id);
  // Ends a held request with Ping `status` on its own worker (posted, never inline).
  void end_held(HeldRef ref, int status);
  // A newer request of (user, device) arrived: ends the held one, if any, with Status 1.
  void supersede(const std::string& user, const std::string& device_id);

  // Wakes every worker holding requests of `user`; each re-checks its folders once.
  // Returns false when nothing of that user is held (the event is dropped).
  bool wake_user(const std::string& user, WakeEvent event);
  // SIGTERM: every worker answers its held requests with Status 1 and refuses to hold new
  // ones from now on.
  void end_all();
  bool draining() const { return draining_.load(); }

  // The Ping parameters last accepted for a device. Memory is a cache of the state store
  // (device_requests): a miss reads `store` (the calling worker's connection; null: memory
  // only), so a restart or another node sharing the store still honours an empty Ping.
  // A hit costs no SELECT. Weak spot with several nodes: a node whose memory holds an older
  // copy keeps using it until the device sends full parameters there again.
  std::optional<RememberedPing> remembered(const std::string& user, const std::string& device_id,
                                           StateStore* store = nullptr);
  // Records `ping`; `store` is written only when it differs from the copy in memory, so a
  // device re-sending the same parameters costs no write.
  void remember(const std::string& user, const std::string& device_id, RememberedPing ping,
                StateStore* store = nullptr, StoreTime now = {});

  // The last full Sync request of a device, without client commands (MS-ASCMD 2.2.1.21.1:
  // an empty Sync request repeats it; 2.2.3.124 Partial completes it). Process-wide because
  // a device's next connection may land on another worker; cached over `store` as above.
  std::optional<WbxmlDocument> cached_sync(const std::string& user, const std::string& device_id,
                                           StateStore* store = nullptr);
  // Replaces the cached request (nullopt drops it); `store` is written only on a change
  // (a no-change Sync repeats the same request and keys: no write).
  void cache_sync(const std::string& user, const std::string& device_id,
                  std::optional<WbxmlDocument> document, StateStore* store = nullptr,
                  StoreTime now = {});

  // Current bounds (SIGHUP may replace them).
  PingLimits limits() const;
  void set_limits(PingLimits limits);

  PushHubStats stats() const;
  // Start-up (before serving): where wake-ups and supersedes are counted
  // (easgate_push_wakeups_total, easgate_push_superseded_total); nullptr: nowhere.
  void set_metrics(Metrics* metrics) { metrics_ = metrics; }

 private:
  struct Slot {
    Poster post;                 // set once at start-up
    WorkerPush* push = nullptr;  // written and read on the worker's own thread only
  };
  struct UserEntry {
    std::map<std::string, HeldRef> devices;  // device id -> held request
    std::vector<uint32_t> per_worker;        // held requests of this user per worker
  };

  static std::string device_key(const std::string& user, const std::string& device_id);
  void post_to(size_t worker, std::function<void()> fn);
  // A store read or write failed: counted, logged once per cause; memory still serves.
  void store_degraded(const char* cause, const Status& why);

  std::vector<Slot> slots_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, UserEntry> users_;                  // guarded by mu_
  std::unordered_map<std::string, RememberedPing> remembered_;        // guarded by mu_
  std::unordered_map<std::string, WbxmlDocument> sync_cache_;         // guarded by mu_
  PingLimits limits_;                                                 // guarded by mu_
  uint64_t held_ = 0;                                                 // guarded by mu_
  std::atomic<uint64_t> superseded_{0};
  std::array<std::atomic<uint64_t>, kWakeSourceCount> wakes_{};
  std::atomic<bool> draining_{false};
  Metrics* metrics_ = nullptr;  // set once before serving; thread-safe itself
};

}  // namespace easgate
