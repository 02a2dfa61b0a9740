// The worker's copy of the admin API governance: conversion, refresh on a revision change,
// and the effective policy with API assignments.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "gateway/pipeline/stored_governance.h"

#include <doctest/doctest.h>

#include "gateway/config/governance_config.h"
#include "gateway/pipeline/governance_facts.h"
#include "gateway/store/sqlite/sqlite_state_store.h"

using namespace easgate;

namespace {

std::unique_ptr<StateStore> memory_store() {
  auto store = open_sqlite_state_store(":memory:");
  REQUIRE(store.is_ok());
  return std::move(store).value();
}

StoreTime t0() { return StoreTime(std::chrono::seconds(1'800'000'000)); }

}  // namespace

TEST_CASE("conversion skips rows this version cannot evaluate, never guesses") {
  std::vector<StoredAccessRule> rows = {
      {"ok", 1, "block", {{"device_type", "glob", "WP*"}}, "a", t0()},
      {"future-field", 2, "block", {{"device_colour", "exact", "red"}}, "a", t0()},
      {"future-action", 3, "throttle", {{"user", "exact", "x"}}, "a", t0()},
  };
  std::vector<PolicyAssignmentRecord> assignments = {
      {AssigneeKind::kUser, "Bob@Example.test", "strict", "a", t0()},
      {AssigneeKind::kGroup, "zeta", "p1", "a", t0()},
      {AssigneeKind::kGroup, "alpha", "p2", "a", t0()},
  };
  StoredGovernance g = convert_stored_governance(7, rows, assignments);
  CHECK(g.revision == 7);
  REQUIRE(g.rules.size() == 1);
  CHECK(g.rules[0].name == "ok");
  CHECK(g.rules[0].conditions[0].kind == MatchKind::kGlob);
  REQUIRE(g.skipped.size() == 2);
  CHECK(g.skipped[0] == "future-field: unknown match field \"device_colour\"");
  CHECK(g.skipped[1] == "future-action: unknown action \"throttle\"");
  CHECK(g.assignments.by_user.at("bob@example.test") == "strict");
  REQUIRE(g.assignments.by_group.size() == 2);
  CHECK(g.assignments.by_group[0].first == "alpha");  // several groups: by name
}

TEST_CASE("the copy is reused until the revision moves, then re-read") {
  auto store = memory_store();
  auto first = stored_governance(*store, nullptr);
  CHECK(first->rules.empty());
  CHECK(stored_governance(*store, nullptr).get() == first.get());  // same copy, no re-read
  REQUIRE(
      store->add_access_rule({"block-wp", 0, "block", {{"device_type", "glob", "WP*"}}, "t", t0()})
          .is_ok());
  auto second = stored_governance(*store, nullptr);
  CHECK(second.get() != first.get());
  REQUIRE(second->rules.size() == 1);
  CHECK(second->rules[0].action == AccessAction::kBlock);
  CHECK(last_stored_governance().get() == second.get());
  // A second store on the same thread has its own copy.
  auto other = memory_store();
  CHECK(stored_governance(*other, nullptr)->rules.empty());
  CHECK(stored_governance(*store, nullptr).get() == second.get());
}

TEST_CASE("effective policy honours API assignments over the YAML") {
  auto store = memory_store();
  ProvisioningPolicy standard, strict;
  standard.name = "standard";
  strict.name = "strict";
  strict.device_password_enabled = true;
  GovernanceConfig config;
  config.policies = PolicySet({standard, strict}, "standard", {});
  CHECK(effective_policy(config, *stored_governance(*store, nullptr), "alice@example.test").name ==
        "standard");
  REQUIRE(store->set_policy_assignment(
      {AssigneeKind::kUser, "alice@example.test", "strict", "t", t0()}));
  CHECK(effective_policy(config, *stored_governance(*store, nullptr), "Alice@example.test").name ==
        "strict");
  // The config-only form uses this thread's last copy (just refreshed above).
  CHECK(effective_policy(config, "alice@example.test").name == "strict");
}
