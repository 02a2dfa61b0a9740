#pragma once
// Caches successful credential verifications so a busy device (a Ping every few minutes,
// Syncs in between) is not verified against the backend on every request.
//
// AuthVerdictCache is the one cache all workers share (mutex inside). Each worker wraps
// its own backend Authenticator in a CachingAuthenticator that consults the shared cache
// and coalesces concurrent verifications of the same user+password on that worker; its
// callbacks run on that worker's loop, never inline.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backends/api/authenticator.h"
#include "gateway/core/clock.h"

struct event_base;

namespace easgate {

// Seam for per-user failure counting (throttling / lockout, a later issue): told the
// outcome of every verification that reached the backend. Cache hits are not reported.
// Called on the worker loop that ran the verification; implementations shared between
// workers must lock.
class AuthOutcomeObserver {
 public:
  virtual ~AuthOutcomeObserver() = default;
  virtual void on_backend_verdict(std::string_view user, const Status& outcome) = 0;
};

// Successful verifications, keyed by user, holding a salted SHA-256 of user+password
// (OpenSSL EVP, random per-process salt) so the cache never holds a password.
// Thread-safe.
class AuthVerdictCache {
 public:
  static constexpr std::chrono::milliseconds kDefaultTtl = std::chrono::minutes(5);
  static constexpr size_t kDefaultMaxEntries = 100'000;

  // `clock` must outlive the cache.
  explicit AuthVerdictCache(const Clock& clock, std::chrono::milliseconds ttl = kDefaultTtl,
                            size_t max_entries = kDefaultMaxEntries);

  // True when these exact credentials were verified less than ttl ago.
  bool is_fresh(const Credentials& credentials);
  // Records a successful verification; replaces the user's previous entry (a new
  // password supersedes the old one at once).
  void remember_success(const Credentials& credentials);
  // Same, from a digest() computed earlier (so callers need not keep the password).
  void remember_digest(const std::string& user, std::string digest);
  // Drops the user's entry (admin action, password reset).
  void forget(std::string_view user);
  size_t size() const;
  // Salted digest of user+password; the coalescing key. Never logged.
  std::string digest(const Credentials& credentials) const;

 private:
  struct Entry {
    std::string digest;                              // salted SHA-256 of user+password
    std::chrono::steady_clock::time_point expires;   // end of validity
  };
  void prune_locked(std::chrono::steady_clock::time_point now);

  const Clock& clock_;
  const std::chrono::milliseconds ttl_;
  const size_t max_entries_;
  std::string salt_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // by user; guarded by mu_
};

class CachingAuthenticator final : public Authenticator {
 public:
  // Counters for metrics.
  struct Stats {
    uint64_t hits = 0;       // answered from the cache
    uint64_t misses = 0;     // sent to the backend
    uint64_t coalesced = 0;  // joined a verification already in flight
  };

  // `base`: this worker's loop. `inner`: this worker's backend authenticator.
  // `observer` may be null and must outlive this object.
  CachingAuthenticator(event_base* base, std::shared_ptr<AuthVerdictCache> cache,
                       std::shared_ptr<Authenticator> inner,
                       AuthOutcomeObserver* observer = nullptr);
  ~CachingAuthenticator() override;

  // Same contract as Authenticator::verify. Only a backend "ok" is cached; auth_failed,
  // backend_unavailable and timeout are passed through and not remembered.
  void verify(const Credentials& credentials, std::function<void(Status)> done) override;

  const Stats& stats() const { return stats_; }

 private:
  void finish(const std::string& key, const std::string& user, const Status& outcome);

  event_base* base_;
  std::shared_ptr<AuthVerdictCache> cache_;
  std::shared_ptr<Authenticator> inner_;
  AuthOutcomeObserver* observer_;
  // Verifications in flight on this worker, by digest: everyone waiting for the answer.
  std::unordered_map<std::string, std::vector<std::function<void(Status)>>> in_flight_;
  // Lets backend callbacks that arrive after destruction do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  Stats stats_;
};

}  // namespace easgate
