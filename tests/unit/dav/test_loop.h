#pragma once
// An event_base for one test, and a way to run it until a callback has fired. A watchdog
// ends a stuck test after a few seconds so a hang shows up as a failure, not a frozen run;
// nothing here waits for time to pass on the success path.

#include <event2/event.h>

namespace easgate::testing {

class TestLoop {
 public:
  TestLoop() : base_(event_base_new()) {}
  ~TestLoop() { event_base_free(base_); }
  TestLoop(const TestLoop&) = delete;
  TestLoop& operator=(const TestLoop&) = delete;

  event_base* base() const { return base_; }

  // Runs the loop until `done` is true. False when the watchdog fired first.
  bool run_until(const bool& done, int watchdog_seconds = 10) {
    return run_until_true([&] { return done; }, watchdog_seconds);
  }

  template <typename Predicate>
  bool run_until_true(Predicate done, int watchdog_seconds = 10) {
    bool fired = false;
    event* watchdog = evtimer_new(
        base_, [](evutil_socket_t, short, void* arg) { *static_cast<bool*>(arg) = true; },
        &fired);
    timeval tv{watchdog_seconds, 0};
    evtimer_add(watchdog, &tv);
    while (!done() && !fired) event_base_loop(base_, EVLOOP_ONCE);
    event_free(watchdog);
    return done();
  }

 private:
  event_base* base_;
};

}  // namespace easgate::testing
