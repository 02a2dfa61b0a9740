#include "gateway/auth/caching_authenticator.h"

#include <doctest/doctest.h>
#include <event2/event.h>

#include <optional>
#include <thread>

using namespace easgate;

namespace {

// Backend stand-in: records requests; the test answers them explicitly.
class ScriptedAuthenticator final : public Authenticator {
 public:
  void verify(const Credentials& c, std::function<void(Status)> done) override {
    calls.push_back(c);
    pending.push_back(std::move(done));
  }
  // Answers the oldest pending request.
  void answer(Status s) {
    REQUIRE(!pending.empty());
    auto done = std::move(pending.front());
    pending.erase(pending.begin());
    done(std::move(s));
  }
  std::vector<Credentials> calls;
  std::vector<std::function<void(Status)>> pending;
};

class CountingObserver final : public AuthOutcomeObserver {
 public:
  void on_backend_verdict(std::string_view user, const Status& s) override {
    last_user = std::string(user);
    if (!s.is_ok()) ++failures;
  }
  std::string last_user;
  int failures = 0;
};

struct Fixture {
  event_base* base = event_base_new();
  ManualClock clock;
  std::shared_ptr<AuthVerdictCache> cache = std::make_shared<AuthVerdictCache>(clock);
  std::shared_ptr<ScriptedAuthenticator> backend = std::make_shared<ScriptedAuthenticator>();
  CountingObserver observer;
  std::unique_ptr<CachingAuthenticator> auth =
      std::make_unique<CachingAuthenticator>(base, cache, backend, &observer);
  ~Fixture() {
    auth.reset();
    event_base_free(base);
  }
  void drain() { event_base_loop(base, EVLOOP_NONBLOCK); }
};

}  // namespace

TEST_CASE("success is cached for the TTL, answered on a later loop turn") {
  Fixture f;
  std::optional<Status> first, second, third;
  f.auth->verify({"alice", "secret"}, [&](Status s) { first = s; });
  REQUIRE(f.backend->calls.size() == 1);
  f.backend->answer(Status::ok());
  REQUIRE(first.has_value());
  CHECK(first->is_ok());

  f.auth->verify({"alice", "secret"}, [&](Status s) { second = s; });
  CHECK_FALSE(second.has_value());  // never inline
  f.drain();
  REQUIRE(second.has_value());
  CHECK(second->is_ok());
  CHECK(f.backend->calls.size() == 1);
  CHECK(f.auth->stats().hits == 1);

  f.clock.advance(std::chrono::minutes(5));
  f.auth->verify({"alice", "secret"}, [&](Status s) { third = s; });
  CHECK(f.backend->calls.size() == 2);  // expired: asks the backend again
}

TEST_CASE("failures are not cached and reach the throttling seam") {
  Fixture f;
  std::vector<Status> results;
  for (int i = 0; i < 2; ++i) {
    f.auth->verify({"alice", "wrong"}, [&](Status s) { results.push_back(s); });
    f.backend->answer(Status::auth_failed("NO"));
  }
  CHECK(f.backend->calls.size() == 2);
  REQUIRE(results.size() == 2);
  CHECK(results[1].kind() == ErrorKind::kAuthFailed);
  CHECK(f.observer.failures == 2);
  CHECK(f.observer.last_user == "alice");
  CHECK(f.cache->size() == 0);

  f.auth->verify({"alice", "x"}, [&](Status s) { results.push_back(s); });
  f.backend->answer(Status::backend_unavailable("down"));
  CHECK(f.cache->size() == 0);
}

TEST_CASE("a different password is not a cache hit; a new good one replaces the old") {
  Fixture f;
  std::optional<Status> r;
  f.auth->verify({"alice", "old"}, [&](Status s) { r = s; });
  f.backend->answer(Status::ok());
  CHECK(f.cache->is_fresh({"alice", "old"}));
  CHECK_FALSE(f.cache->is_fresh({"alice", "new"}));
  CHECK_FALSE(f.cache->is_fresh({"bob", "old"}));

  f.auth->verify({"alice", "new"}, [&](Status s) { r = s; });
  CHECK(f.backend->calls.size() == 2);
  f.backend->answer(Status::ok());
  CHECK(f.cache->is_fresh({"alice", "new"}));
  CHECK_FALSE(f.cache->is_fresh({"alice", "old"}));
  f.cache->forget("alice");
  CHECK_FALSE(f.cache->is_fresh({"alice", "new"}));
}

TEST_CASE("concurrent verifications of the same credentials are coalesced") {
  Fixture f;
  std::vector<Status> results;
  for (int i = 0; i < 3; ++i)
    f.auth->verify({"alice", "secret"}, [&](Status s) { results.push_back(s); });
  std::optional<Status> other;
  f.auth->verify({"alice", "other"}, [&](Status s) { other = s; });
  CHECK(f.backend->calls.size() == 2);
  CHECK(f.auth->stats().coalesced == 2);
  f.backend->answer(Status::ok());
  REQUIRE(results.size() == 3);
  for (const Status& s : results) CHECK(s.is_ok());
  CHECK_FALSE(other.has_value());
  f.backend->answer(Status::auth_failed("NO"));
  REQUIRE(other.has_value());
  CHECK(other->kind() == ErrorKind::kAuthFailed);
}

TEST_CASE("a backend answer after destruction is ignored") {
  Fixture f;
  bool called = false;
  f.auth->verify({"alice", "secret"}, [&](Status) { called = true; });
  auto pending = std::move(f.backend->pending.front());
  f.auth.reset();
  pending(Status::ok());
  CHECK_FALSE(called);
}

TEST_CASE("the shared cache is safe across threads") {
  ManualClock clock;
  AuthVerdictCache cache(clock, std::chrono::minutes(5), 64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        Credentials c{"user" + std::to_string((i + t) % 100), "pw"};
        cache.remember_success(c);
        (void)cache.is_fresh(c);
        if (i % 50 == 0) cache.forget(c.user);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(cache.size() <= 64);
  cache.remember_success({"zed", "pw"});
  CHECK(cache.is_fresh({"zed", "pw"}));
}
