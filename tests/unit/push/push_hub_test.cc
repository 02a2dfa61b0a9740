#include <doctest/doctest.h>

#include <deque>

#include "gateway/push/push_hub.h"

using namespace easgate;

namespace {

// Posted closures wait here until the test runs them, like a worker loop would.
struct FakeWorkers {
  std::vector<std::deque<std::function<void()>>> queues;
  explicit FakeWorkers(size_t n) : queues(n) {}
  void attach(PushHub& hub) {
    for (size_t i = 0; i < queues.size(); ++i) {
      hub.attach_worker(i, [this, i](std::function<void()> fn) {
        queues[i].push_back(std::move(fn));
        return true;
      });
    }
  }
  size_t pending(size_t i) const { return queues[i].size(); }
};

}  // namespace

TEST_CASE("a newer request of the same device returns the held one to end") {
  PushHub hub(2, PingLimits{});
  CHECK_FALSE(hub.hold("alice@x", "DEV1", HeldRef{0, 1}));
  auto previous = hub.hold("alice@x", "DEV1", HeldRef{1, 7});
  REQUIRE(previous);
  CHECK(*previous == HeldRef{0, 1});
  // Another device of the same user is independent.
  CHECK_FALSE(hub.hold("alice@x", "DEV2", HeldRef{0, 2}));
  CHECK(hub.stats().held == 3);
  // The superseded one releasing late must not forget the newer one.
  hub.release("alice@x", "DEV1", HeldRef{0, 1});
  REQUIRE(hub.find_held("alice@x", "DEV1"));
  CHECK(*hub.find_held("alice@x", "DEV1") == HeldRef{1, 7});
  hub.release("alice@x", "DEV1", HeldRef{1, 7});
  CHECK_FALSE(hub.find_held("alice@x", "DEV1"));
  CHECK(hub.stats().held == 1);
}

TEST_CASE("wake_user posts only to workers holding that user's requests") {
  PushHub hub(3, PingLimits{});
  FakeWorkers workers(3);
  workers.attach(hub);
  CHECK_FALSE(hub.wake_user("alice@x", WakeEvent{}));
  hub.hold("Alice@X", "D1", HeldRef{2, 1});  // user ids compare case-insensitively
  hub.hold("bob@x", "D2", HeldRef{0, 2});
  CHECK(hub.wake_user("alice@x", WakeEvent{WakeSource::kPushEndpoint, "INBOX"}));
  CHECK(workers.pending(0) == 0);
  CHECK(workers.pending(1) == 0);
  CHECK(workers.pending(2) == 1);
  // The posted closure finds no WorkerPush in the slot (worker gone): a no-op, no crash.
  workers.queues[2].front()();
  CHECK(hub.stats().wakes[static_cast<size_t>(WakeSource::kPushEndpoint)] == 1);
  hub.release("alice@x", "D1", HeldRef{2, 1});
  CHECK_FALSE(hub.wake_user("alice@x", WakeEvent{}));
}

TEST_CASE("supersede and end_all post to the owning workers") {
  PushHub hub(2, PingLimits{});
  FakeWorkers workers(2);
  workers.attach(hub);
  hub.hold("alice@x", "D1", HeldRef{1, 5});
  hub.supersede("alice@x", "D1");
  CHECK(workers.pending(1) == 1);
  CHECK(hub.stats().superseded == 1);
  hub.supersede("alice@x", "unknown");
  CHECK(workers.pending(0) == 0);
  hub.end_all();
  CHECK(hub.draining());
  CHECK(workers.pending(0) == 1);
  CHECK(workers.pending(1) == 2);
}

TEST_CASE("remembered Ping parameters and limits") {
  PushHub hub(1, PingLimits{});
  CHECK_FALSE(hub.remembered("alice@x", "D1"));
  hub.remember("alice@x", "D1", RememberedPing{300, {{"1", "Email"}}});
  auto r = hub.remembered("ALICE@x", "D1");
  REQUIRE(r);
  CHECK(r->heartbeat_seconds == 300);
  CHECK_FALSE(hub.remembered("alice@x", "D2"));
  PingLimits l;
  l.max_folders = 7;
  hub.set_limits(l);
  CHECK(hub.limits().max_folders == 7);
}
