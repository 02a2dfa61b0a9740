#pragma once
// Time is injected (STYLE.md habit 6) so tests drive timeouts, caches and rate limits with
// a fake clock instead of sleeping.

#include <chrono>

namespace easgate {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time for timeouts and cache expiry.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  // Wall-clock time for timestamps stored or shown to people.
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::now();
  }
  static SystemClock& instance() {
    static SystemClock clock;
    return clock;
  }
};

// A clock that moves only when told; for tests.
class ManualClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point steady_now() const override { return steady_; }
  std::chrono::system_clock::time_point wall_now() const override { return wall_; }
  void advance(std::chrono::milliseconds d) {
    steady_ += d;
    wall_ += d;
  }

 private:
  std::chrono::steady_clock::time_point steady_{};
  std::chrono::system_clock::time_point wall_{std::chrono::seconds(1'800'000'000)};
};

}  // namespace easgate
