#pragma once
// Request throttling per user + device: a token bucket per key, refilled continuously,
// with the time passed in by the caller (no clock inside, so tests drive it exactly).
// Not thread-safe: one instance per worker (each worker throttles what it serves; with N
// workers the effective burst is up to N times larger, which is acceptable for abuse
// protection and avoids cross-thread locking on every request).

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace easgate {

struct ThrottleSettings {
  bool enabled = false;         // off by default
  double requests_per_second = 2.0;  // sustained rate per user + device
  double burst = 60.0;          // bucket size: requests allowed back to back
  size_t max_tracked_keys = 100000;  // bound on memory; least recently seen keys are dropped
};

struct ThrottleDecision {
  bool allowed = true;                 // false: answer 503 with Retry-After
  std::chrono::seconds retry_after{0};  // whole seconds until one token is available
};

class TokenBucketThrottle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit TokenBucketThrottle(ThrottleSettings settings) : settings_(settings) {}

  // Takes one token for `key` at `now`.
  ThrottleDecision take(const std::string& key, TimePoint now);
  size_t tracked_keys() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;  // available now (fractional)
    TimePoint updated;  // when `tokens` was computed
  };
  void evict_idle(TimePoint now);

  ThrottleSettings settings_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace easgate
