// Schema 3: device access rules and policy assignments added through the admin API, and
// the revision counter workers poll.
#include <doctest/doctest.h>

#include "gateway/store/sqlite/schema.h"
#include "tests/unit/store/store_test_util.h"

namespace easgate {
namespace {

using store_test::at;
using store_test::memory_store;

StoredAccessRule rule(const std::string& name, uint32_t position, const std::string& type) {
  return {name, position, "block", {{"device_type", "glob", type}}, "admin-api/t", at(1)};
}

std::string names(StateStore& store) {
  std::string out;
  Result<std::vector<StoredAccessRule>> rules = store.list_access_rules();
  REQUIRE(rules.is_ok());
  for (const StoredAccessRule& r : *rules) {
    out += (out.empty() ? "" : ",") + r.name + "@" + std::to_string(r.position);
  }
  return out;
}

TEST_CASE("api rules: insert at a position, append, remove closes the gap") {
  auto store = memory_store();
  const int64_t r0 = *store->governance_revision();
  CHECK(*store->add_access_rule(rule("a", 0, "A*")) == 1);
  CHECK(*store->add_access_rule(rule("b", 0, "B*")) == 2);
  CHECK(*store->add_access_rule(rule("c", 1, "C*")) == 1);
  CHECK(names(*store) == "c@1,a@2,b@3");
  CHECK(*store->governance_revision() == r0 + 3);
  CHECK(store->add_access_rule(rule("d", 5, "D*")).status().kind() == ErrorKind::kInvalidArgument);
  auto dup = store->add_access_rule(rule("A", 0, "X*"));
  CHECK(dup.status().kind() == ErrorKind::kConflict);
  CHECK(dup.status().message().find("\"a\" already exists") != std::string::npos);
  CHECK(names(*store) == "c@1,a@2,b@3");  // refused changes leave no trace
  CHECK(*store->governance_revision() == r0 + 3);
  REQUIRE(store->remove_access_rule("A"));  // names compare case-insensitively
  CHECK(names(*store) == "c@1,b@2");
  CHECK(store->remove_access_rule("a").kind() == ErrorKind::kNotFound);
  CHECK(*store->governance_revision() == r0 + 4);
}

TEST_CASE("api rules: conditions round-trip in order; bad rules are refused") {
  auto store = memory_store();
  StoredAccessRule r{
      "two",         0,
      "quarantine",  {{"device_type", "exact", "iPhone"}, {"user_agent", "prefix", "Apple-"}},
      "admin-api/x", at(9)};
  REQUIRE(store->add_access_rule(r).is_ok());
  auto listed = store->list_access_rules();
  REQUIRE(listed->size() == 1);
  const StoredAccessRule& got = listed->front();
  CHECK(got.action == "quarantine");
  CHECK(got.created_by == "admin-api/x");
  CHECK(got.created_at == at(9));
  REQUIRE(got.conditions.size() == 2);
  CHECK(got.conditions[1].field == "user_agent");
  CHECK(got.conditions[1].kind == "prefix");
  CHECK(got.conditions[1].pattern == "Apple-");
  r.name = "none";
  r.conditions.clear();
  CHECK(store->add_access_rule(r).status().kind() == ErrorKind::kInvalidArgument);
  r.name = "";
  CHECK(store->add_access_rule(r).status().kind() == ErrorKind::kInvalidArgument);
}

TEST_CASE("policy assignments: upsert per user or group, users lower-cased, remove") {
  auto store = memory_store();
  const int64_t r0 = *store->governance_revision();
  REQUIRE(store->set_policy_assignment(
      {AssigneeKind::kUser, "Alice@Example.test", "strict", "admin-api/t", at(2)}));
  REQUIRE(
      store->set_policy_assignment({AssigneeKind::kGroup, "Sales", "loose", "admin-api/t", at(3)}));
  REQUIRE(store->set_policy_assignment(
      {AssigneeKind::kUser, "alice@example.test", "standard", "admin-api/u", at(4)}));
  auto all = store->list_policy_assignments();
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].kind == AssigneeKind::kUser);
  CHECK((*all)[0].assignee == "alice@example.test");
  CHECK((*all)[0].policy_name == "standard");
  CHECK((*all)[0].assigned_by == "admin-api/u");
  CHECK((*all)[1].kind == AssigneeKind::kGroup);
  CHECK((*all)[1].assignee == "Sales");
  CHECK(*store->governance_revision() == r0 + 3);
  CHECK(store->remove_policy_assignment(AssigneeKind::kGroup, "sales").kind() ==
        ErrorKind::kNotFound);  // group names are exact
  REQUIRE(store->remove_policy_assignment(AssigneeKind::kUser, "ALICE@example.test"));
  CHECK(store->list_policy_assignments()->size() == 1);
  CHECK(store->set_policy_assignment({AssigneeKind::kUser, "", "x", "", at(1)}).kind() ==
        ErrorKind::kInvalidArgument);
}

TEST_CASE("api governance survives reopening a file store; another connection sees it") {
  store_test::TempDir dir;
  const std::string path = dir.file("gov.sqlite");
  auto writer = open_sqlite_state_store(path);
  REQUIRE(writer.is_ok());
  auto reader = open_sqlite_state_store(path);
  REQUIRE(reader.is_ok());
  const int64_t seen = *(*reader)->governance_revision();
  REQUIRE((*writer)->add_access_rule(rule("wp", 0, "WP*")).is_ok());
  CHECK(*(*reader)->governance_revision() != seen);
  CHECK(names(**reader) == "wp@1");
  writer->reset();
  reader->reset();
  auto again = open_sqlite_state_store(path);
  REQUIRE(again.is_ok());
  CHECK(names(**again) == "wp@1");
  CHECK(*(*again)->schema_version() == sqlite_latest_schema_version());
}

}  // namespace
}  // namespace easgate
