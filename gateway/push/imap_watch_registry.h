#pragma once
// One IMAP change watch per USER per PROCESS (issue 6 item 3), whatever worker a device's
// Ping or hanging Sync landed on. The registry runs on its own thread with its own event
// loop (the watch connections never slow a worker's requests). Each worker's WorkerPush
// sees it through RegistryChangeWatcher, an ordinary ChangeWatcher: its watches are
// subscriptions, ref-counted per user; the user's feed watches the union of their
// mailboxes and is dropped `linger` after the last subscription ends (a device that
// re-Pings at once does not reconnect every time).
//
// A change becomes one PushHub wake (source imap_notify / imap_idle), like the Dovecot push
// endpoint's, so every worker holding the user's requests re-checks once; subscribers get
// only kConnected / kDisconnected (posted to their worker) to know whether the feed
// covers them. After each (re)connect the user is woken once for every folder, because
// events before the feed was live may be lost (ChangeKind::kConnected).
//
// Metrics: easgate_imap_watches{mode="notify"|"idle"|"connecting"}, feeds by state.
//
// Threading: subscribe / update / unsubscribe from any thread (they post); everything
// else runs on the registry's thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/api/change_watcher.h"
#include "gateway/core/status.h"

struct event_base;

namespace easgate {

class Metrics;
class PushHub;

class ImapWatchRegistry {
 public:
  // Builds the ChangeWatcher that opens the real feeds, on the registry's loop.
  using WatcherFactory = std::function<Result<std::unique_ptr<ChangeWatcher>>(event_base*)>;
  // Receives a notice for one subscription; called on the registry's thread, so it must
  // only post (RegistryChangeWatcher posts to its worker).
  using Sink = std::function<void(ChangeNotice)>;

  // Starts the thread and builds the watcher on it. `hub` and `metrics` (may be nullptr)
  // outlive the registry.
  static Result<std::unique_ptr<ImapWatchRegistry>> start(WatcherFactory factory, PushHub& hub,
                                                          Metrics* metrics,
                                                          std::chrono::milliseconds linger);
  // Stops the thread; feeds close their connections.
  ~ImapWatchRegistry();
  ImapWatchRegistry(const ImapWatchRegistry&) = delete;
  ImapWatchRegistry& operator=(const ImapWatchRegistry&) = delete;

  // A new subscription of `credentials.user` (keyed as push_user_key) for `mailboxes`.
  // Returns its id. The newest credentials replace a feed's when it is not live (a
  // password change), never logged.
  uint64_t subscribe(const Credentials& credentials, std::vector<std::string> mailboxes, Sink sink);
  void update(uint64_t id, std::vector<std::string> mailboxes);
  void unsubscribe(uint64_t id);

  // Start-up, before any subscription: the configured mode (push.imap_watch). A feed that
  // comes up in IDLE when NOTIFY was configured (the server lacks or refused it) counts in
  // easgate_degraded_total{cause="imap_watch_idle_fallback"}.
  void set_wanted_mode(ChangeFeedMode mode);

  // Feeds open right now (lingering ones included); for tests and logs.
  size_t feed_count() const;

 private:
  struct Impl;
  explicit ImapWatchRegistry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A worker's view of the registry. Create and use on that worker's loop; `post` runs a
// closure on that loop (PushHub::post). The registry outlives it.
class RegistryChangeWatcher final : public ChangeWatcher {
 public:
  using Poster = std::function<void(std::function<void()>)>;
  RegistryChangeWatcher(ImapWatchRegistry& registry, Poster post);
  ~RegistryChangeWatcher() override;

  std::unique_ptr<ChangeWatch> watch(const Credentials& credentials,
                                     std::vector<std::string> mailboxes,
                                     std::function<void(ChangeNotice)> on_notice) override;

 private:
  ImapWatchRegistry& registry_;
  Poster post_;  // to the worker's loop
};

}  // namespace easgate
