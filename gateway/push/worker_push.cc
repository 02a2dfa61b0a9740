#include "gateway/push/worker_push.h"

#include <event2/event.h>

#include <algorithm>
#include <map>
#include <set>

#include "backends/api/change_watcher.h"
#include "backends/api/collection_store.h"
#include "backends/api/mail_store.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/push/ping_request.h"
#include "gateway/push/sync_cursor_baseline.h"
#include "gateway/store/state_store.h"

namespace easgate {
namespace {

constexpr const char* kComponent = "push";
constexpr const char* kPingLabel = "Ping";

std::string mail_marker(const MailFolderState& s) {
  return std::to_string(s.uidvalidity) + "/" + std::to_string(s.uidnext) + "/" +
         std::to_string(s.highestmodseq) + "/" + std::to_string(s.messages);
}

// RFC 6578 sync-token when offered, else the CalendarServer ctag; "" when neither exists
// (the collection then never reports a change, which is logged once).
std::string dav_marker(const DavCollection& c) {
  return !c.sync_token.empty() ? c.sync_token : c.ctag;
}

// Runs `fn` on the next loop turn (callbacks are never inline, STYLE.md habit 4).
void defer(event_base* loop, std::function<void()> fn) {
  auto* boxed = new std::function<void()>(std::move(fn));
  event_base_once(
      loop, -1, EV_TIMEOUT,
      [](evutil_socket_t, short, void* arg) {
        std::unique_ptr<std::function<void()>> f(static_cast<std::function<void()>*>(arg));
        (*f)();
      },
      boxed, nullptr);
}

}  // namespace

// A held Ping: ~200 bytes here plus the RequestContext (request line, headers, credentials).
struct WorkerPush::HeldPing {
  WorkerPush* owner = nullptr;
  uint64_t id = 0;
  std::shared_ptr<RequestContext> request;
  std::string user;        // mailbox address (RequestContext has it too; kept for release)
  std::string device_id;   // MS-ASHTTP DeviceId
  std::vector<WatchedFolder> folders;
  event* timer = nullptr;  // heartbeat
  EndHandler on_end;       // hanging Sync: answers instead of a Ping response
  const char* command = kPingLabel;  // easgate_held_requests label

  ~HeldPing() {
    if (timer != nullptr) event_free(timer);
  }
  static void on_timer(evutil_socket_t, short, void* arg) {
    auto* self = static_cast<HeldPing*>(arg);
    // MS-ASCMD 2.2.3.177.10 Status 1: the heartbeat ended without changes.
    self->owner->answer(self->id, kPingExpired, {});
  }
};

// The held Pings of one user on this worker and what they share.
struct WorkerPush::UserWatch {
  WorkerPush* owner = nullptr;
  std::string user;
  Credentials credentials;  // the newest Ping's; memory only, dropped with the watch
  std::set<uint64_t> pings;
  std::map<std::string, std::string> mail_markers;  // mailbox -> marker (last read)
  std::map<std::string, std::string> dav_markers;   // href -> marker (last read)
  bool probing = false;        // a check is in flight
  bool probe_again = false;    // an event arrived meanwhile: check again when it ends
  bool probe_all_again = false;  // ... and it named no single mailbox
  std::string again_mailbox;   // the mailbox of that event
  event* poll_timer = nullptr;
  std::unique_ptr<ChangeWatch> feed;  // IMAP NOTIFY/IDLE watcher, when configured
  bool feed_live = false;             // the feed is connected
  bool feed_covers_all = false;       // NOTIFY (every folder) rather than IDLE (INBOX)

  ~UserWatch() {
    if (poll_timer != nullptr) event_free(poll_timer);
  }
  std::set<std::string> mailboxes() const;
  bool has_dav() const;
  static void on_poll(evutil_socket_t, short, void* arg);
};

std::set<std::string> WorkerPush::UserWatch::mailboxes() const {
  std::set<std::string> out;
  for (uint64_t id : pings) {
    auto it = owner->held_.find(id);
    if (it == owner->held_.end()) continue;
    for (const auto& f : it->second->folders) {
      if (f.backend == FolderBackend::kMail) out.insert(f.ref);
    }
  }
  return out;
}

bool WorkerPush::UserWatch::has_dav() const {
  for (uint64_t id : pings) {
    auto it = owner->held_.find(id);
    if (it == owner->held_.end()) continue;
    for (const auto& f : it->second->folders) {
      if (f.backend == FolderBackend::kDav) return true;
    }
  }
  return false;
}

void WorkerPush::UserWatch::on_poll(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<UserWatch*>(arg);
  WorkerPush* owner = self->owner;
  auto it = owner->users_.find(self->user);
  if (it == owner->users_.end()) return;
  std::shared_ptr<UserWatch> watch = it->second;
  WakeEvent event;
  event.source = WakeSource::kPoll;
  // The interval check bypasses the hub; count it here (easgate_push_wakeups_total).
  if (Metrics* metrics = owner->services_.metrics) {
    metrics->record_push_wakeup(wake_source_name(event.source));
  }
  owner->probe(watch, &event);
  owner->arm_poll(*watch);
}

WorkerPush::WorkerPush(size_t worker_index, WorkerServices& services, PushHub& hub,
                       ChangeWatcher* watcher)
    : worker_index_(worker_index), services_(services), hub_(hub), watcher_(watcher) {}

WorkerPush::~WorkerPush() {
  for (auto& [id, ping] : held_) {
    hub_.release(ping->user, ping->device_id, HeldRef{worker_index_, id});
    if (services_.metrics) services_.metrics->held_request_finished(ping->command);
  }
  held_.clear();
  users_.clear();
}

WorkerPush::UserWatch& WorkerPush::watch_for(const std::string& user) {
  auto& slot = users_[user];
  if (!slot) {
    slot = std::make_shared<UserWatch>();
    slot->owner = this;
    slot->user = user;
  }
  return *slot;
}

void WorkerPush::hold(std::shared_ptr<RequestContext> request, uint32_t heartbeat_seconds,
                      std::vector<WatchedFolder> folders, EndHandler on_end,
                      const char* command) {
  if (draining_ || hub_.draining()) {
    // Shutting down: the device reconnects (to another node or after the restart).
    if (on_end) {
      on_end(kPingExpired, {});
      return;
    }
    request->reply_wbxml(ping_response(kPingExpired, {}, 0, 0), kPingExpired);
    return;
  }
  const std::string user = push_user_key(request->credentials.user);
  const std::string& device_id = request->eas->device_id;
  auto ping = std::make_unique<HeldPing>();
  ping->owner = this;
  ping->id = next_id_++;
  ping->user = user;
  ping->device_id = device_id;
  ping->folders = std::move(folders);
  ping->on_end = std::move(on_end);
  ping->command = command;
  // Baselines from the cursor of the device's last Sync of each folder.
  std::vector<std::string> ready;
  bool cursor_based = false;
  for (auto& f : ping->folders) {
    auto generation = services_.store->load_current_collection_state(
        CollectionKey{request->credentials.user, device_id, f.id});
    if (!generation.is_ok()) {
      // Never synced (kNotFound): the marker read now is the baseline.
      if (generation.status().kind() != ErrorKind::kNotFound &&
          first_time_for_cause("push.cursor_load_failed")) {
        log_warn(kComponent).msg("cannot read the sync cursor; baseline from the backend")
            .kv("error", generation.status().to_string());
      }
      continue;
    }
    auto baseline = cursor_baseline(f.backend, *generation);
    if (!baseline) continue;
    if (baseline->pending) ready.push_back(f.id);
    if (!baseline->marker.empty()) {
      f.baseline = std::move(baseline->marker);
      cursor_based = true;
    }
  }
  ping->request = std::move(request);
  HeldRef ref{worker_index_, ping->id};
  if (auto previous = hub_.hold(user, device_id, ref)) {
    // MS-ASCMD 3.2.5: the newer Ping of the device replaces the older one, wherever held.
    hub_.end_held(*previous, kPingExpired);
  }
  ping->timer = evtimer_new(services_.loop, &HeldPing::on_timer, ping.get());
  timeval tv{static_cast<time_t>(heartbeat_seconds), 0};
  evtimer_add(ping->timer, &tv);
  uint64_t id = ping->id;
  event_base* loop = services_.loop;
  // The client went away: free the Ping on the next turn (not inside the session's close).
  ping->request->set_on_abort([this, id, loop] { defer(loop, [this, id] { forget(id); }); });
  if (services_.metrics) services_.metrics->held_request_started(ping->command);

  UserWatch& watch = watch_for(user);
  watch.credentials = ping->request->credentials;
  watch.pings.insert(id);
  // Other baselines from the user's shared markers; anything unknown needs one check. A
  // cursor baseline needs a fresh read too: the shared markers may predate the change.
  bool need_probe = cursor_based;
  for (auto& f : ping->folders) {
    if (!f.baseline.empty()) continue;
    const auto& markers = f.backend == FolderBackend::kMail ? watch.mail_markers
                                                            : watch.dav_markers;
    auto it = markers.find(f.ref);
    if (it != markers.end()) f.baseline = it->second;
    else need_probe = true;
  }
  held_.emplace(id, std::move(ping));
  if (!ready.empty()) {
    // MS-ASCMD 2.2.3.177.10 Status 2 at once: the last Sync left changes unsent.
    defer(services_.loop, [this, id, ready] { answer(id, kPingChanges, ready); });
  }
  log_debug(kComponent).msg("ping held").kv("user", user).kv("device_id", device_id)
      .kv("heartbeat_s", static_cast<uint64_t>(heartbeat_seconds)).kv("worker", worker_index_);
  std::shared_ptr<UserWatch> shared = users_[user];
  if (need_probe) probe(shared, nullptr);
  update_watcher(watch);
  arm_poll(watch);
}

bool WorkerPush::mailbox_covered(const UserWatch& watch, const std::string& mailbox) const {
  if (watch.feed_live && watch.feed_covers_all) return true;  // NOTIFY: every folder
  // Dovecot 2.3's OX driver reports deliveries to INBOX only; IDLE watches INBOX only.
  bool endpoint = !services_.config->push.endpoint_secret.empty();
  return mailbox == "INBOX" && (endpoint || watch.feed_live);
}

bool WorkerPush::needs_poll(const UserWatch& watch) const {
  if (watch.has_dav()) return true;
  for (const std::string& mailbox : watch.mailboxes()) {
    if (!mailbox_covered(watch, mailbox)) return true;
  }
  return false;
}

void WorkerPush::arm_poll(UserWatch& watch) {
  auto interval = services_.config->push.poll_interval;
  if (interval.count() <= 0) return;
  // DAV collections always need the interval check; mail folders only without an event
  // source that covers them.
  if (!needs_poll(watch)) return;
  if (watch.poll_timer == nullptr) {
    watch.poll_timer = evtimer_new(services_.loop, &UserWatch::on_poll, &watch);
  }
  if (evtimer_pending(watch.poll_timer, nullptr)) return;
  timeval tv{static_cast<time_t>(interval.count() / 1000),
             static_cast<suseconds_t>((interval.count() % 1000) * 1000)};
  evtimer_add(watch.poll_timer, &tv);
}

void WorkerPush::update_watcher(UserWatch& watch) {
  if (watcher_ == nullptr) return;
  std::set<std::string> boxes = watch.mailboxes();
  std::vector<std::string> list(boxes.begin(), boxes.end());
  if (list.empty()) {
    watch.feed.reset();
    watch.feed_live = false;
    return;
  }
  if (watch.feed) {
    watch.feed->set_mailboxes(std::move(list));
    return;
  }
  std::string user = watch.user;
  watch.feed = watcher_->watch(watch.credentials, std::move(list), [this, user](ChangeNotice n) {
    auto it = users_.find(user);
    if (it == users_.end()) return;
    std::shared_ptr<UserWatch> w = it->second;
    switch (n.kind) {
      case ChangeKind::kConnected:
        w->feed_live = true;
        w->feed_covers_all = n.mode == ChangeFeedMode::kNotify;
        if (w->poll_timer != nullptr && !needs_poll(*w)) evtimer_del(w->poll_timer);
        break;
      case ChangeKind::kDisconnected:
        w->feed_live = false;
        arm_poll(*w);  // fall back to the interval check until it is back
        break;
      case ChangeKind::kChanged: {
        WakeEvent event;
        event.source = w->feed_covers_all ? WakeSource::kImapNotify : WakeSource::kImapIdle;
        event.mailbox = n.mailbox;
        // Through the hub: the user's Pings on other workers wake as well.
        hub_.wake_user(user, event);
        break;
      }
    }
  });
}

void WorkerPush::on_wake(const std::string& user, const WakeEvent& event) {
  auto it = users_.find(user);
  if (it == users_.end()) return;
  log_debug(kComponent).msg("wake").kv("user", user).kv("source", wake_source_name(event.source))
      .kv("mailbox", event.mailbox).kv("worker", worker_index_);
  probe(it->second, &event);
}

void WorkerPush::probe(const std::shared_ptr<UserWatch>& watch, const WakeEvent* event) {
  if (watch->probing) {
    // Coalesce: one more check after the running one covers every event meanwhile.
    watch->probe_again = true;
    if (event == nullptr || event->mailbox.empty()) watch->probe_all_again = true;
    else watch->again_mailbox = event->mailbox;
    return;
  }
  std::set<std::string> mailboxes = watch->mailboxes();
  bool dav = watch->has_dav();
  if (event != nullptr && !event->mailbox.empty()) {
    // The event names its mailbox (push endpoint, NOTIFY): check only that one.
    bool watched = mailboxes.count(event->mailbox) > 0;
    mailboxes.clear();
    if (watched) mailboxes.insert(event->mailbox);
    dav = false;
  } else if (event != nullptr && event->source == WakeSource::kPoll) {
    // The interval check reads only what no event source covers.
    for (auto it = mailboxes.begin(); it != mailboxes.end();) {
      it = mailbox_covered(*watch, *it) ? mailboxes.erase(it) : std::next(it);
    }
  }
  // Folders without a baseline yet are always read (a new Ping joined).
  for (uint64_t id : watch->pings) {
    auto h = held_.find(id);
    if (h == held_.end()) continue;
    for (const auto& f : h->second->folders) {
      if (!f.baseline.empty()) continue;
      if (f.backend == FolderBackend::kMail) mailboxes.insert(f.ref);
      else dav = true;
    }
  }
  if (mailboxes.empty() && !dav) return;
  watch->probing = true;
  auto outstanding = std::make_shared<size_t>(mailboxes.size() + (dav ? 1 : 0));
  std::weak_ptr<UserWatch> weak = watch;
  auto one_done = [this, weak, outstanding] {
    if (--*outstanding > 0) return;
    auto w = weak.lock();
    if (!w) return;
    w->probing = false;
    evaluate(*w);
    if (w->probe_again) {
      WakeEvent again;
      again.source = WakeSource::kPoll;
      if (!w->probe_all_again) again.mailbox = w->again_mailbox;
      w->probe_again = w->probe_all_again = false;
      w->again_mailbox.clear();
      probe(w, &again);
    }
  };
  for (const std::string& mailbox : mailboxes) {
    services_.mail_store->folder_state(
        watch->credentials, mailbox,
        [weak, mailbox, one_done](Result<MailFolderState> state) {
          if (auto w = weak.lock()) {
            if (state.is_ok()) {
              w->mail_markers[mailbox] = mail_marker(state.value());
            } else if (state.status().kind() == ErrorKind::kNotFound) {
              w->mail_markers[mailbox] = "gone";  // evaluate() answers Status 7
            } else if (first_time_for_cause("push.mail_probe_failed")) {
              log_warn(kComponent).msg("folder state check failed; Pings keep waiting")
                  .kv("error", state.status().to_string());
            }
          }
          one_done();
        });
  }
  if (dav) {
    services_.collection_store->list_collections(
        watch->credentials, [weak, one_done](Result<std::vector<DavCollection>> list) {
          if (auto w = weak.lock()) {
            if (list.is_ok()) {
              std::map<std::string, std::string> fresh;
              for (const auto& c : list.value()) fresh[c.href] = dav_marker(c);
              // A watched collection missing from the listing is gone (Status 7).
              for (auto& [href, marker] : w->dav_markers) {
                if (!fresh.count(href)) marker = "gone";
              }
              for (auto& [href, marker] : fresh) w->dav_markers[href] = marker;
            } else if (first_time_for_cause("push.dav_probe_failed")) {
              log_warn(kComponent).msg("DAV collection check failed; Pings keep waiting")
                  .kv("error", list.status().to_string());
            }
          }
          one_done();
        });
  }
}

void WorkerPush::evaluate(UserWatch& watch) {
  std::vector<std::pair<uint64_t, std::vector<std::string>>> changed;
  std::vector<uint64_t> gone;
  for (uint64_t id : watch.pings) {
    auto h = held_.find(id);
    if (h == held_.end()) continue;
    std::vector<std::string> ids;
    bool folder_gone = false;
    for (auto& f : h->second->folders) {
      const auto& markers = f.backend == FolderBackend::kMail ? watch.mail_markers
                                                              : watch.dav_markers;
      auto m = markers.find(f.ref);
      if (m == markers.end()) continue;  // not read yet (or the read failed)
      if (m->second == "gone") {
        folder_gone = true;
        continue;
      }
      if (f.baseline.empty()) {
        f.baseline = m->second;
      } else if (marker_moved(f.backend, f.baseline, m->second)) {
        ids.push_back(f.id);
      }
    }
    if (folder_gone) gone.push_back(id);
    else if (!ids.empty()) changed.emplace_back(id, std::move(ids));
  }
  // MS-ASCMD 2.2.3.177.10 Status 7: a watched folder no longer exists.
  for (uint64_t id : gone) answer(id, kPingFolderSyncNeeded, {});
  for (auto& [id, ids] : changed) answer(id, kPingChanges, std::move(ids));
}

void WorkerPush::answer(uint64_t id, int status, std::vector<std::string> changed) {
  std::unique_ptr<HeldPing> ping = take(id);
  if (!ping) return;  // already answered, superseded or aborted
  if (ping->on_end) return ping->on_end(status, std::move(changed));
  ping->request->reply_wbxml(ping_response(status, changed, 0, 0), status);
}

void WorkerPush::end(uint64_t id, int status) { answer(id, status, {}); }

void WorkerPush::end_all() {
  draining_ = true;
  std::vector<uint64_t> ids;
  ids.reserve(held_.size());
  for (auto& [id, ping] : held_) ids.push_back(id);
  log_info(kComponent).msg("answering held Pings for shutdown").kv("worker", worker_index_)
      .kv("held", static_cast<uint64_t>(ids.size()));
  for (uint64_t id : ids) answer(id, kPingExpired, {});
}

void WorkerPush::forget(uint64_t id) { take(id); }

std::unique_ptr<WorkerPush::HeldPing> WorkerPush::take(uint64_t id) {
  auto h = held_.find(id);
  if (h == held_.end()) return nullptr;
  std::unique_ptr<HeldPing> ping = std::move(h->second);
  held_.erase(h);
  evtimer_del(ping->timer);
  hub_.release(ping->user, ping->device_id, HeldRef{worker_index_, id});
  if (services_.metrics) services_.metrics->held_request_finished(ping->command);
  auto u = users_.find(ping->user);
  if (u != users_.end()) {
    u->second->pings.erase(id);
    if (u->second->pings.empty()) {
      users_.erase(u);  // credentials, markers, watcher and poll timer go with it
    } else {
      update_watcher(*u->second);
    }
  }
  return ping;
}

}  // namespace easgate
