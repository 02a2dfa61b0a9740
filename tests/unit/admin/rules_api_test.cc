#include <doctest/doctest.h>

#include <memory>

#include "gateway/admin/admin_api.h"
#include "gateway/config/governance_config.h"
#include "gateway/core/clock.h"
#include "gateway/store/sqlite/sqlite_state_store.h"

using namespace easgate;

namespace {

struct Fixture {
  Fixture() {
    auto opened = open_sqlite_state_store(":memory:");
    REQUIRE(opened.is_ok());
    store = std::move(opened).value();
    for (auto [user, device, type] : {std::tuple{"alice@example.test", "WP1", "WP8"},
                                      std::tuple{"alice@example.test", "IPH1", "iPhone"},
                                      std::tuple{"bob@example.test", "WP2", "WP8"}}) {
      REQUIRE(store->upsert_device_seen({user, device}, type, "UA", "14.1", clock.wall_now())
                  .is_ok());
    }
    DeviceAccessRule allow_bob{"allow-bob", {{MatchField::kUser, MatchKind::kExact,
                                              "bob@example.test"}}, AccessAction::kAllow};
    governance.device_access.rules.push_back(allow_bob);
    governance.device_access.default_action = AccessAction::kAllow;
  }
  AdminResponse call(const std::string& method, const std::string& path,
                     const std::string& body = "", const std::string& query = "") {
    AdminApi api(*store, clock, nullptr, &governance);
    return api.handle({method, path, query, body, "admin-api/t"});
  }
  // The audit log's actions, oldest first, space-terminated.
  std::string audited_actions() {
    Result<std::vector<AuditEntry>> entries = store->list_audit(StoreTime(), 100);
    REQUIRE(entries.is_ok());
    std::string out;
    for (const AuditEntry& e : *entries) out += e.action + " ";
    return out;
  }
  std::string error(const AdminResponse& r) {
    return parse_json(r.body)->find("error")->as_string();
  }

  ManualClock clock;
  GovernanceConfig governance;
  std::unique_ptr<StateStore> store;
};

}  // namespace

TEST_CASE("rules list shows YAML rules in order, then the default") {
  Fixture f;
  AdminResponse r = f.call("GET", "/api/rules", "", "format=csv");
  CHECK(r.body == "position,name,source,action,conditions,added_by\r\n"
                  "1,allow-bob,yaml,allow,\"user exact \"\"bob@example.test\"\"\",\r\n"
                  ",(default),yaml,allow,(no rule matched),\r\n");
}

TEST_CASE("rules test names exactly the devices whose access would change") {
  Fixture f;
  const std::string rule =
      R"({"name":"block-wp","action":"block","match":{"device_type":{"glob":"WP*"}}})";
  // After allow-bob: bob's WP stays allowed (first match wins), alice's WP changes.
  AdminResponse r = f.call("POST", "/api/rules/test", rule, "format=csv");
  REQUIRE(r.status == 200);
  CHECK(r.body == "user,device_id,device_type,from,to,now_reason\r\n"
                  "alice@example.test,WP1,WP8,allow,block,default\r\n");
  // Even in first position among the API rules it comes after the YAML's allow-bob, which
  // an API rule cannot undo: bob's phone stays allowed.
  const std::string first =
      R"({"name":"block-wp","action":"block","position":1,"match":{"device_type":{"glob":"WP*"}}})";
  r = f.call("POST", "/api/rules/test", first, "format=json");
  CHECK(parse_json(r.body)->size() == 1);
  // An admin decision outranks rules, so the dry run leaves that device alone.
  REQUIRE(f.store->set_device_access({"alice@example.test", "WP1"}, DeviceAccessState::kAllowed,
                                     "ok").is_ok());
  r = f.call("POST", "/api/rules/test", rule, "format=csv");
  CHECK(r.body == "user,device_id,device_type,from,to,now_reason\r\n");
  // Nothing was stored.
  CHECK(f.call("GET", "/api/rules", "", "format=json").body.find("block-wp") == std::string::npos);
}

TEST_CASE("invalid rule input gives one precise error") {
  Fixture f;
  auto err = [&](const std::string& body) {
    AdminResponse r = f.call("POST", "/api/rules/test", body);
    CHECK(r.status >= 400);
    return f.error(r);
  };
  CHECK(err(R"({"action":"block","match":{"user":"x"}})") == "rule: \"name\" must be a non-empty string");
  CHECK(err(R"({"name":"a","action":"deny","match":{"user":"x"}})") ==
        "rule: \"action\" must be one of allow, block, quarantine");
  CHECK(err(R"({"name":"a","action":"block","match":{}})").find("at least one condition") !=
        std::string::npos);
  CHECK(err(R"({"name":"a","action":"block","match":{"colour":"x"}})")
            .find("rule: unknown match field \"colour\"") == 0);
  CHECK(err(R"({"name":"a","action":"block","match":{"user":{"regex":"x"}}})") ==
        "rule: match \"user\": \"regex\" is not one of exact, prefix, glob");
  CHECK(err(R"({"name":"a","action":"block","match":{"user":""}})") ==
        "rule: match \"user\" has an empty pattern");
  CHECK(err(R"({"name":"a","action":"block","match":{"group":"ghosts"}})") ==
        "rule: unknown group \"ghosts\" (define it under governance.groups)");
  CHECK(err(R"({"name":"a","action":"block","position":2,"match":{"user":"x"}})") ==
        "rule: \"position\" (among the rules added through the API, after the 1 YAML rules) "
        "must be a whole number from 1 to 1");
  CHECK(err(R"({"name":"Allow-Bob","action":"block","match":{"user":"x"}})") ==
        "rule: a rule named \"allow-bob\" already exists (YAML)");
  // Nothing invalid reached the store.
  CHECK(f.store->list_access_rules()->empty());
}

TEST_CASE("rules add persists after the YAML rules; list, test and remove see it") {
  Fixture f;
  AdminResponse r = f.call("POST", "/api/rules",
                           R"({"name":"block-wp","action":"block","match":{"device_type":{"glob":"WP*"}}})");
  REQUIRE(r.status == 201);
  CHECK(parse_json(r.body)->find("position")->as_integer() == 2);  // after allow-bob
  r = f.call("POST", "/api/rules",
             R"({"name":"q-iphone","action":"quarantine","position":1,"match":{"device_type":"iPhone"}})");
  REQUIRE(r.status == 201);
  r = f.call("GET", "/api/rules", "", "format=csv");
  CHECK(r.body.find("2,q-iphone,api,quarantine,\"device_type exact \"\"iPhone\"\"\",admin-api/t ") !=
        std::string::npos);
  CHECK(r.body.find("3,block-wp,api,block,") != std::string::npos);
  // The dry run now starts from YAML + API rules: only bob's WP is allowed (allow-bob), and a
  // rule for iPhones changes nothing (q-iphone already decides them).
  r = f.call("POST", "/api/rules/test",
             R"({"name":"allow-wp","action":"allow","match":{"device_type":{"glob":"WP*"}},"position":1})",
             "format=csv");
  CHECK(r.body == "user,device_id,device_type,from,to,now_reason\r\n"
                  "alice@example.test,WP1,WP8,block,allow,rule:block-wp\r\n");
  // Duplicate names are refused case-insensitively, against API rules too.
  r = f.call("POST", "/api/rules", R"({"name":"BLOCK-WP","action":"allow","match":{"user":"x"}})");
  CHECK(r.status == 409);
  CHECK(f.error(r) == "rule: a rule named \"block-wp\" already exists (API)");
  // YAML rules cannot be removed through the API; unknown names are 404.
  r = f.call("DELETE", "/api/rules/allow-bob");
  CHECK(r.status == 409);
  CHECK(f.error(r) == "rule \"allow-bob\" comes from the YAML configuration; remove it there");
  CHECK(f.call("DELETE", "/api/rules/nope").status == 404);
  REQUIRE(f.call("DELETE", "/api/rules/q-iphone").status == 200);
  auto stored = f.store->list_access_rules();
  REQUIRE(stored->size() == 1);
  CHECK(stored->front().name == "block-wp");
  CHECK(stored->front().position == 1);
  // Every change is audited.
  CHECK(f.audited_actions() == "rule.add rule.add rule.remove ");
}

TEST_CASE("policies assign and unassign persist, override YAML, and are audited") {
  Fixture f;
  ProvisioningPolicy standard;
  standard.name = "standard";
  ProvisioningPolicy strict;
  strict.name = "strict";
  strict.device_password_enabled = true;
  PolicyAssignments yaml;
  yaml.by_user["bob@example.test"] = "standard";
  f.governance.policies = PolicySet({standard, strict}, "standard", yaml);
  std::map<std::string, std::vector<std::string>> members;
  members["sales"] = {"bob@example.test"};
  f.governance.groups = UserGroups(members);
  AdminResponse r = f.call("POST", "/api/policies/strict/assign", R"({"user":"Bob@Example.test"})");
  REQUIRE(r.status == 200);
  CHECK(parse_json(r.body)->find("effective_policy")->as_string() == "strict");
  auto stored = f.store->list_policy_assignments();
  REQUIRE(stored->size() == 1);
  CHECK(stored->front().assignee == "bob@example.test");
  r = f.call("GET", "/api/policies/strict", "", "format=json");
  CHECK(parse_json(r.body)->find("assigned_users")->as_string() == "bob@example.test (api)");
  CHECK(f.call("POST", "/api/policies/strict/assign", R"({"group":"ghosts"})").status == 404);
  CHECK(f.error(f.call("POST", "/api/policies/strict/assign", R"({"user":"a","group":"sales"})")) ==
        "request body: give exactly one of \"user\" or \"group\"");
  REQUIRE(f.call("POST", "/api/policies/strict/assign", R"({"group":"sales"})").status == 200);
  CHECK(f.call("POST", "/api/policies/standard/unassign", R"({"user":"bob@example.test"})").status ==
        409);
  r = f.call("POST", "/api/policies/strict/unassign", R"({"user":"bob@example.test"})");
  REQUIRE(r.status == 200);
  // The YAML user assignment beats the API group assignment.
  CHECK(parse_json(r.body)->find("effective_policy")->as_string() == "standard");
  CHECK(f.call("POST", "/api/policies/strict/unassign", R"({"user":"bob@example.test"})").status ==
        404);
  CHECK(f.audited_actions() == "policy.assign policy.assign policy.unassign ");
}

TEST_CASE("exemptions: set, list, remove; clear-wipe lets a wiped device back") {
  Fixture f;
  AdminResponse r = f.call("POST", "/api/exemptions/alice@example.test/NEW1/block",
                           R"({"reason":"lost"})");
  REQUIRE(r.status == 200);
  auto e = f.store->get_device_exemption({"alice@example.test", "NEW1"});
  REQUIRE(e.is_ok());
  CHECK(e->kind == DeviceExemptionKind::kBlock);
  CHECK(e->note == "lost");
  r = f.call("GET", "/api/exemptions", "", "format=csv");
  CHECK(r.body.find("alice@example.test,NEW1,block,lost,") != std::string::npos);
  CHECK(f.call("POST", "/api/exemptions/a/b/maybe").status == 404);
  REQUIRE(f.call("DELETE", "/api/exemptions/alice@example.test/NEW1").status == 200);
  CHECK(f.call("DELETE", "/api/exemptions/alice@example.test/NEW1").status == 404);

  const DeviceKey wp{"alice@example.test", "WP1"};
  CHECK(f.call("POST", "/api/devices/alice@example.test/WP1/clear-wipe").status == 409);
  REQUIRE(f.store->request_wipe(wp, WipeKind::kFull, "t", f.clock.wall_now()).is_ok());
  REQUIRE(f.store->mark_wipe_acknowledged(wp, f.clock.wall_now()).is_ok());
  r = f.call("POST", "/api/devices/alice@example.test/WP1/allow");
  CHECK(r.status == 409);
  CHECK(f.error(r) == "device alice@example.test/WP1 was wiped; run 'devices clear-wipe' to let it "
                      "back in");
  REQUIRE(f.call("POST", "/api/devices/alice@example.test/WP1/clear-wipe").status == 200);
  CHECK(f.store->get_device(wp)->wipe.state == WipeState::kNone);
  CHECK(f.audited_actions() == "exemption.block exemption.remove device.clear_wipe ");
}

TEST_CASE("policies list, show, unknown") {
  Fixture f;
  AdminResponse r = f.call("GET", "/api/policies", "", "format=json");
  CHECK(r.status == 200);
  r = f.call("GET", "/api/policies/none-such");
  CHECK(r.status == 404);
  CHECK(f.error(r) ==
        "policy \"none-such\" not found (policies are defined under governance.policies)");
}
