#include "gateway/auth/caching_authenticator.h"

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "gateway/core/log.h"

namespace easgate {
namespace {

void run_deferred(evutil_socket_t, short, void* arg) {
  std::unique_ptr<std::function<void()>> fn(static_cast<std::function<void()>*>(arg));
  (*fn)();
}

// Runs `fn` on the next loop turn so verify() never calls back inline.
void defer(event_base* base, std::function<void()> fn) {
  auto* heap = new std::function<void()>(std::move(fn));
  timeval zero{0, 0};
  if (event_base_once(base, -1, EV_TIMEOUT, run_deferred, heap, &zero) != 0) {
    std::unique_ptr<std::function<void()>> owned(heap);
    (*owned)();
  }
}

}  // namespace

AuthVerdictCache::AuthVerdictCache(const Clock& clock, std::chrono::milliseconds ttl,
                                   size_t max_entries)
    : clock_(clock), ttl_(ttl), max_entries_(max_entries), salt_(32, '\0') {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt_.data()), 32) != 1)
    log_error("auth").msg("RAND_bytes failed; auth cache salt is weak");
}

std::string AuthVerdictCache::digest(const Credentials& c) const {
  std::string input = salt_ + c.user + '\0' + c.password;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  OPENSSL_cleanse(input.data(), input.size());
  return std::string(reinterpret_cast<char*>(md), len);
}

bool AuthVerdictCache::is_fresh(const Credentials& c) {
  std::string d = digest(c);
  const auto now = clock_.steady_now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(c.user);
  if (it == entries_.end()) return false;
  if (now >= it->second.expires) {
    entries_.erase(it);
    return false;
  }
  // Digests are fixed-size; CRYPTO_memcmp keeps the comparison time independent of them.
  return it->second.digest.size() == d.size() &&
         CRYPTO_memcmp(it->second.digest.data(), d.data(), d.size()) == 0;
}

void AuthVerdictCache::remember_success(const Credentials& c) { remember_digest(c.user, digest(c)); }

void AuthVerdictCache::remember_digest(const std::string& user, std::string d) {
  const auto now = clock_.steady_now();
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= max_entries_ && entries_.find(user) == entries_.end())
    prune_locked(now);
  entries_[user] = Entry{std::move(d), now + ttl_};
}

void AuthVerdictCache::prune_locked(std::chrono::steady_clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now >= it->second.expires) it = entries_.erase(it);
    else ++it;
  }
  // Still full: drop an arbitrary entry; that user just verifies against the backend again.
  if (entries_.size() >= max_entries_ && !entries_.empty()) entries_.erase(entries_.begin());
}

void AuthVerdictCache::forget(std::string_view user) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(std::string(user));
}

size_t AuthVerdictCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

CachingAuthenticator::CachingAuthenticator(event_base* base,
                                           std::shared_ptr<AuthVerdictCache> cache,
                                           std::shared_ptr<Authenticator> inner,
                                           AuthOutcomeObserver* observer)
    : base_(base), cache_(std::move(cache)), inner_(std::move(inner)), observer_(observer) {}

CachingAuthenticator::~CachingAuthenticator() { *alive_ = false; }

void CachingAuthenticator::verify(const Credentials& credentials,
                                  std::function<void(Status)> done) {
  if (cache_->is_fresh(credentials)) {
    ++stats_.hits;
    defer(base_, [done = std::move(done)]() { done(Status::ok()); });
    return;
  }
  std::string key = cache_->digest(credentials);
  auto it = in_flight_.find(key);
  if (it != in_flight_.end()) {
    ++stats_.coalesced;
    it->second.push_back(std::move(done));
    return;
  }
  ++stats_.misses;
  in_flight_[key].push_back(std::move(done));
  std::weak_ptr<bool> alive = alive_;
  inner_->verify(credentials, [this, alive, key, user = credentials.user](Status outcome) {
    auto token = alive.lock();
    if (!token || !*token) return;
    finish(key, user, outcome);
  });
}

void CachingAuthenticator::finish(const std::string& key, const std::string& user,
                                  const Status& outcome) {
  if (outcome.is_ok()) cache_->remember_digest(user, key);
  if (observer_) observer_->on_backend_verdict(user, outcome);
  auto it = in_flight_.find(key);
  if (it == in_flight_.end()) return;
  std::vector<std::function<void(Status)>> waiters = std::move(it->second);
  in_flight_.erase(it);
  // The backend callback already runs on a later loop turn, so waiters may run here.
  for (auto& w : waiters) w(outcome);
}

}  // namespace easgate
