// The process-wide IMAP watch registry with a fake ChangeWatcher on its thread: one feed
// per user whatever the number of subscriptions, the union of their mailboxes, linger
// before close, and changes turned into PushHub wakes.

#include "gateway/push/imap_watch_registry.h"

#include <doctest/doctest.h>
#include <event2/event.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "gateway/push/push_hub.h"

using namespace easgate;

namespace {

// Schedules `fn` on `base` (called on the registry thread, like a real feed's callbacks).
void later(event_base* base, std::function<void()> fn) {
  auto* boxed = new std::function<void()>(std::move(fn));
  event_base_once(
      base, -1, EV_TIMEOUT,
      [](evutil_socket_t, short, void* arg) {
        std::unique_ptr<std::function<void()>> f(static_cast<std::function<void()>*>(arg));
        (*f)();
      },
      boxed, nullptr);
}

// Shared between the test thread and the registry thread.
struct FakeState {
  std::mutex mu;
  int opened = 0;                                 // watch() calls
  int closed = 0;                                 // watches destroyed
  std::vector<std::vector<std::string>> updates;  // set_mailboxes arguments
  std::vector<std::string> first;                 // watch()'s mailboxes
};

// Reports kConnected (NOTIFY) at once; each set_mailboxes reports its last mailbox changed.
class FakeWatch final : public ChangeWatch {
 public:
  FakeWatch(event_base* base, FakeState& state, std::function<void(ChangeNotice)> cb)
      : base_(base), state_(state), cb_(std::make_shared<std::function<void(ChangeNotice)>>(cb)) {
    std::weak_ptr<std::function<void(ChangeNotice)>> weak = cb_;
    later(base_, [weak] {
      if (auto f = weak.lock())
        (*f)(ChangeNotice{ChangeKind::kConnected, "", ChangeFeedMode::kNotify});
    });
  }
  ~FakeWatch() override {
    std::lock_guard<std::mutex> lock(state_.mu);
    ++state_.closed;
  }
  void set_mailboxes(std::vector<std::string> mailboxes) override {
    {
      std::lock_guard<std::mutex> lock(state_.mu);
      state_.updates.push_back(mailboxes);
    }
    std::weak_ptr<std::function<void(ChangeNotice)>> weak = cb_;
    std::string last = mailboxes.empty() ? "" : mailboxes.back();
    later(base_, [weak, last] {
      if (auto f = weak.lock())
        (*f)(ChangeNotice{ChangeKind::kChanged, last, ChangeFeedMode::kNotify});
    });
  }

 private:
  event_base* base_;
  FakeState& state_;
  std::shared_ptr<std::function<void(ChangeNotice)>> cb_;
};

class FakeWatcher final : public ChangeWatcher {
 public:
  FakeWatcher(event_base* base, FakeState& state) : base_(base), state_(state) {}
  std::unique_ptr<ChangeWatch> watch(const Credentials&, std::vector<std::string> mailboxes,
                                     std::function<void(ChangeNotice)> cb) override {
    {
      std::lock_guard<std::mutex> lock(state_.mu);
      ++state_.opened;
      state_.first = mailboxes;
    }
    return std::make_unique<FakeWatch>(base_, state_, std::move(cb));
  }

 private:
  event_base* base_;
  FakeState& state_;
};

// Worker closures run on the test thread when it drains them.
struct Worker {
  std::mutex mu;
  std::vector<std::function<void()>> queue;
  void post(std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mu);
    queue.push_back(std::move(fn));
  }
  void drain() {
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard<std::mutex> lock(mu);
      batch.swap(queue);
    }
    for (auto& fn : batch) fn();
  }
};

bool eventually(const std::function<bool()>& done, Worker* worker = nullptr) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (worker != nullptr) worker->drain();
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

uint64_t wakes(const PushHub& hub) {
  return hub.stats().wakes[static_cast<size_t>(WakeSource::kImapNotify)];
}

}  // namespace

TEST_CASE("one feed per user: union of mailboxes, linger, changes wake through the hub") {
  FakeState state;
  PushHub hub(1, PingLimits{});
  Worker worker;
  hub.attach_worker(0, [&worker](std::function<void()> fn) {
    worker.post(std::move(fn));
    return true;
  });
  // The hub wakes only users with held requests.
  hub.hold("alice@example.test", "D1", HeldRef{0, 1});
  auto registry = ImapWatchRegistry::start(
      [&state](event_base* base) -> Result<std::unique_ptr<ChangeWatcher>> {
        return std::unique_ptr<ChangeWatcher>(new FakeWatcher(base, state));
      },
      hub, nullptr, std::chrono::milliseconds(200));
  REQUIRE(registry.is_ok());
  RegistryChangeWatcher watcher(
      *registry.value(), [&worker](std::function<void()> fn) { worker.post(std::move(fn)); });

  std::vector<ChangeNotice> got_a, got_b;
  auto a = watcher.watch({"alice@example.test", "secret"}, {"INBOX"},
                         [&](ChangeNotice n) { got_a.push_back(n); });
  REQUIRE(eventually([&] { return !got_a.empty(); }, &worker));
  CHECK(got_a[0].kind == ChangeKind::kConnected);
  CHECK(got_a[0].mode == ChangeFeedMode::kNotify);
  // kConnected wakes the user once: changes before the feed was live may be lost.
  CHECK(eventually([&] { return wakes(hub) == 1; }));

  // A second device (another spelling of the user) joins the same feed.
  auto b = watcher.watch({"Alice@Example.test", "secret"}, {"Junk"},
                         [&](ChangeNotice n) { got_b.push_back(n); });
  REQUIRE(eventually([&] { return !got_b.empty(); }, &worker));
  CHECK(got_b[0].kind == ChangeKind::kConnected);  // already live: told at once
  CHECK(registry.value()->feed_count() == 1);
  {
    std::lock_guard<std::mutex> lock(state.mu);
    CHECK(state.opened == 1);
    REQUIRE(state.updates.size() == 1);
    CHECK(state.updates[0] == std::vector<std::string>{"INBOX", "Junk"});
  }
  // The fake reports "Junk" changed: one hub wake, not one per subscription, and no
  // kChanged to the subscribers (the hub reaches every worker holding the user's Pings).
  CHECK(eventually([&] { return wakes(hub) == 2; }));
  worker.drain();
  CHECK(got_a.size() == 1);
  CHECK(got_b.size() == 1);

  // The first device leaves: the feed shrinks back to its union, stays open.
  a.reset();
  CHECK(eventually([&] {
    std::lock_guard<std::mutex> lock(state.mu);
    return state.updates.size() == 2;
  }));
  // Both gone: the feed lingers, a returning device reuses it ...
  b.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(registry.value()->feed_count() == 1);
  auto c = watcher.watch({"alice@example.test", "secret"}, {"Junk"}, [](ChangeNotice) {});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(registry.value()->feed_count() == 1);
  {
    std::lock_guard<std::mutex> lock(state.mu);
    CHECK(state.opened == 1);
    CHECK(state.closed == 0);
  }
  // ... and once nobody returns within the linger, it closes.
  c.reset();
  CHECK(eventually([&] { return registry.value()->feed_count() == 0; }));
  {
    std::lock_guard<std::mutex> lock(state.mu);
    CHECK(state.closed == 1);
  }
  hub.release("alice@example.test", "D1", HeldRef{0, 1});
}
