#include "rules/throttle/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace easgate {

ThrottleDecision TokenBucketThrottle::take(const std::string& key, TimePoint now) {
  if (!settings_.enabled) return {};
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= settings_.max_tracked_keys) evict_idle(now);
    it = buckets_.emplace(key, Bucket{settings_.burst, now}).first;
  }
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.updated).count();
  if (elapsed > 0) {
    b.tokens = std::min(settings_.burst, b.tokens + elapsed * settings_.requests_per_second);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  double wait = (1.0 - b.tokens) / settings_.requests_per_second;
  auto seconds = static_cast<int64_t>(std::ceil(wait));
  return {false, std::chrono::seconds(std::max<int64_t>(1, seconds))};
}

void TokenBucketThrottle::evict_idle(TimePoint now) {
  // A bucket that has refilled completely carries no state worth keeping.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double elapsed = std::chrono::duration<double>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * settings_.requests_per_second >= settings_.burst) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  // Still full of active keys: drop one arbitrary key rather than grow without bound.
  if (buckets_.size() >= settings_.max_tracked_keys && !buckets_.empty()) {
    buckets_.erase(buckets_.begin());
  }
}

}  // namespace easgate
