#include "gateway/push/push_hub.h"

#include <cctype>

#include "gateway/core/log.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"
#include "gateway/metrics/metrics.h"
#include "gateway/push/remembered_requests.h"
#include "gateway/push/worker_push.h"

namespace easgate {

const char* wake_source_name(WakeSource source) {
  switch (source) {
    case WakeSource::kPushEndpoint: return "push_endpoint";
    case WakeSource::kImapNotify: return "imap_notify";
    case WakeSource::kImapIdle: return "imap_idle";
    case WakeSource::kPoll: return "poll";
  }
  return "unknown";
}

std::string push_user_key(std::string_view user) {
  std::string out(user);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

PushHub::PushHub(size_t workers, PingLimits limits) : slots_(workers), limits_(limits) {}

void PushHub::attach_worker(size_t index, Poster post) { slots_.at(index).post = std::move(post); }

void PushHub::set_worker_push(size_t index, WorkerPush* push) { slots_.at(index).push = push; }

std::string PushHub::device_key(const std::string& user, const std::string& device_id) {
  std::string key = push_user_key(user);
  key += '\n';  // never part of a user name or a DeviceId
  key += device_id;
  return key;
}

void PushHub::post_to(size_t worker, std::function<void()> fn) {
  if (worker >= slots_.size() || !slots_[worker].post) return;
  slots_[worker].post(std::move(fn));
}

std::optional<HeldRef> PushHub::hold(const std::string& user, const std::string& device_id,
                                     HeldRef ref) {
  std::lock_guard<std::mutex> lock(mu_);
  UserEntry& entry = users_[push_user_key(user)];
  if (entry.per_worker.empty()) entry.per_worker.assign(slots_.size(), 0);
  std::optional<HeldRef> previous;
  auto it = entry.devices.find(device_id);
  if (it != entry.devices.end()) {
    previous = it->second;
    it->second = ref;
    // The previous one still counts on its worker until it releases itself.
  } else {
    entry.devices.emplace(device_id, ref);
  }
  ++entry.per_worker.at(ref.worker);
  ++held_;
  return previous;
}

void PushHub::release(const std::string& user, const std::string& device_id, HeldRef ref) {
  std::lock_guard<std::mutex> lock(mu_);
  auto u = users_.find(push_user_key(user));
  if (u == users_.end()) return;
  UserEntry& entry = u->second;
  if (ref.worker < entry.per_worker.size() && entry.per_worker[ref.worker] > 0) {
    --entry.per_worker[ref.worker];
    if (held_ > 0) --held_;
  }
  auto it = entry.devices.find(device_id);
  if (it != entry.devices.end() && it->second == ref) entry.devices.erase(it);
  bool any = false;
  for (uint32_t n : entry.per_worker) any = any || n > 0;
  if (!any && entry.devices.empty()) users_.erase(u);
}

std::optional<HeldRef> PushHub::find_held(const std::string& user, const std::string& device_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto u = users_.find(push_user_key(user));
  if (u == users_.end()) return std::nullopt;
  auto it = u->second.devices.find(device_id);
  if (it == u->second.devices.end()) return std::nullopt;
  return it->second;
}

void PushHub::end_held(HeldRef ref, int status) {
  superseded_.fetch_add(1);
  if (metrics_ != nullptr) metrics_->record_push_superseded();
  post_to(ref.worker, [this, ref, status] {
    if (WorkerPush* push = worker_push(ref.worker)) push->end(ref.id, status);
  });
}

void PushHub::supersede(const std::string& user, const std::string& device_id) {
  if (auto held = find_held(user, device_id)) end_held(*held, kPingExpired);
}

bool PushHub::wake_user(const std::string& user, WakeEvent event) {
  std::vector<size_t> targets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto u = users_.find(push_user_key(user));
    if (u == users_.end()) return false;
    for (size_t w = 0; w < u->second.per_worker.size(); ++w) {
      if (u->second.per_worker[w] > 0) targets.push_back(w);
    }
  }
  if (targets.empty()) return false;
  wakes_[static_cast<size_t>(event.source)].fetch_add(1);
  if (metrics_ != nullptr) metrics_->record_push_wakeup(wake_source_name(event.source));
  for (size_t w : targets) {
    post_to(w, [this, w, user, event] {
      if (WorkerPush* push = worker_push(w)) push->on_wake(user, event);
    });
  }
  return true;
}

void PushHub::end_all() {
  draining_.store(true);
  for (size_t w = 0; w < slots_.size(); ++w) {
    post_to(w, [this, w] {
      if (WorkerPush* push = worker_push(w)) push->end_all();
    });
  }
}

void PushHub::store_degraded(const char* cause, const Status& why) {
  if (metrics_ != nullptr) metrics_->record_degraded(cause);
  if (first_time_for_cause(cause)) {
    log_warn("push").msg("remembered Ping/Sync request not read or written; memory only")
        .kv("cause", cause).kv("error", why.to_string());
  }
}

std::optional<RememberedPing> PushHub::remembered(const std::string& user,
                                                  const std::string& device_id,
                                                  StateStore* store) {
  const std::string key = device_key(user, device_id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = remembered_.find(key);
    if (it != remembered_.end()) return it->second;
  }
  if (store == nullptr) return std::nullopt;
  auto bytes = store->get_device_request(DeviceKey{user, device_id}, DeviceRequestKind::kPing);
  if (!bytes.is_ok()) {
    if (bytes.status().kind() != ErrorKind::kNotFound)
      store_degraded("push_state_unreadable", bytes.status());
    return std::nullopt;
  }
  std::optional<RememberedPing> ping = decode_remembered_ping(*bytes);
  if (!ping) {
    store_degraded("push_state_corrupt", Status::malformed("stored Ping parameters"));
    return std::nullopt;
  }
  std::lock_guard<std::mutex> lock(mu_);
  // A Ping accepted meanwhile on another worker is newer than the stored copy.
  return remembered_.try_emplace(key, std::move(*ping)).first->second;
}

void PushHub::remember(const std::string& user, const std::string& device_id,
                       RememberedPing ping, StateStore* store, StoreTime now) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    RememberedPing& slot = remembered_[device_key(user, device_id)];
    if (slot.heartbeat_seconds == ping.heartbeat_seconds && slot.folders == ping.folders) return;
    slot = ping;
  }
  if (store == nullptr) return;
  Status s = store->put_device_request(DeviceKey{user, device_id}, DeviceRequestKind::kPing,
                                       encode_remembered_ping(ping), now);
  if (!s.is_ok()) store_degraded("push_state_not_written", s);
}

PingLimits PushHub::limits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return limits_;
}

void PushHub::set_limits(PingLimits limits) {
  std::lock_guard<std::mutex> lock(mu_);
  limits_ = limits;
}

PushHubStats PushHub::stats() const {
  PushHubStats s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.held = held_;
  }
  s.superseded = superseded_.load();
  for (size_t i = 0; i < kWakeSourceCount; ++i) s.wakes[i] = wakes_[i].load();
  return s;
}

std::optional<WbxmlDocument> PushHub::cached_sync(const std::string& user,
                                                  const std::string& device_id,
                                                  StateStore* store) {
  const std::string key = device_key(user, device_id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sync_cache_.find(key);
    if (it != sync_cache_.end()) return it->second;
  }
  if (store == nullptr) return std::nullopt;
  auto bytes = store->get_device_request(DeviceKey{user, device_id}, DeviceRequestKind::kSync);
  if (!bytes.is_ok()) {
    if (bytes.status().kind() != ErrorKind::kNotFound)
      store_degraded("push_state_unreadable", bytes.status());
    return std::nullopt;
  }
  std::optional<WbxmlDocument> doc = decode_remembered_sync(*bytes);
  if (!doc) {
    store_degraded("push_state_corrupt", Status::malformed("stored Sync request"));
    return std::nullopt;
  }
  std::lock_guard<std::mutex> lock(mu_);
  return sync_cache_.try_emplace(key, std::move(*doc)).first->second;
}

void PushHub::cache_sync(const std::string& user, const std::string& device_id,
                         std::optional<WbxmlDocument> document, StateStore* store,
                         StoreTime now) {
  std::string bytes;  // empty: forget
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = device_key(user, device_id);
    auto it = sync_cache_.find(key);
    if (!document) {
      if (it == sync_cache_.end() && store == nullptr) return;
      if (it != sync_cache_.end()) sync_cache_.erase(it);
    } else {
      if (it != sync_cache_.end() && it->second == *document) return;
      if (store != nullptr) bytes = encode_wbxml(*document);
      // A few KB per device that syncs (one request each).
      sync_cache_[key] = std::move(*document);
    }
  }
  if (store == nullptr) return;
  Status s = store->put_device_request(DeviceKey{user, device_id}, DeviceRequestKind::kSync,
                                       bytes, now);
  if (!s.is_ok()) store_degraded("push_state_not_written", s);
}

}  // namespace easgate
