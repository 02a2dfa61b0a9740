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
  CHECK(r.body == "position,name,source,action,conditions\r\n"
                  "1,allow-bob,yaml,allow,\"user exact \"\"bob@example.test\"\"\"\r\n"
                  ",(default),yaml,allow,(no rule matched)\r\n");
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
  // In first position it catches bob's phone too.
  const std::string first =
      R"({"name":"block-wp","action":"block","position":1,"match":{"device_type":{"glob":"WP*"}}})";
  r = f.call("POST", "/api/rules/test", first, "format=json");
  CHECK(parse_json(r.body)->size() == 2);
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
  CHECK(err(R"({"name":"a","action":"block","position":3,"match":{"user":"x"}})") ==
        "rule: \"position\" must be a whole number from 1 to 2");
  CHECK(err(R"({"name":"Allow-Bob","action":"block","match":{"user":"x"}})") ==
        "rule: a rule named \"allow-bob\" already exists");
  AdminResponse r = f.call("POST", "/api/rules", R"({"name":"a","action":"block","match":{"user":"x"}})");
  CHECK(r.status == 501);
}

TEST_CASE("policies list, show, unknown") {
  Fixture f;
  AdminResponse r = f.call("GET", "/api/policies", "", "format=json");
  CHECK(r.status == 200);
  r = f.call("GET", "/api/policies/none-such");
  CHECK(r.status == 404);
  CHECK(f.error(r) == "policy \"none-such\" not found");
}
