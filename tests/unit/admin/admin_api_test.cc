#include <doctest/doctest.h>

#include <memory>

#include "gateway/admin/admin_api.h"
#include "gateway/admin/admin_metrics.h"
#include "gateway/core/clock.h"
#include "gateway/metrics/metrics.h"
#include "gateway/store/sqlite/sqlite_state_store.h"

using namespace easgate;

namespace {

struct Fixture {
  Fixture() : metrics("test"), admin_metrics(metrics) {
    auto opened = open_sqlite_state_store(":memory:");
    REQUIRE(opened.is_ok());
    store = std::move(opened).value();
    seen("alice@example.test", "ApplDEV1", "iPhone", "16.1");
    seen("alice@example.test", "AndrDEV2", "Android", "14.1");
    seen("bob@example.test", "WinDEV3", "WP8", "14.0");
  }
  void seen(const std::string& user, const std::string& device, const std::string& type,
            const std::string& version) {
    REQUIRE(store->upsert_device_seen({user, device}, type, "UA/1", version, clock.wall_now())
                .is_ok());
  }
  AdminResponse call(const std::string& method, const std::string& path,
                     const std::string& query = "", const std::string& body = "") {
    AdminApi api(*store, clock, &admin_metrics);
    return api.handle({method, path, query, body, "admin-api/tester"});
  }
  JsonValue json(const AdminResponse& r) {
    Result<JsonValue> v = parse_json(r.body);
    REQUIRE_MESSAGE(v.is_ok(), r.body);
    return *v;
  }
  std::string error(const AdminResponse& r) { return json(r).find("error")->as_string(); }

  ManualClock clock;
  Metrics metrics;
  AdminMetrics admin_metrics;
  std::unique_ptr<StateStore> store;
};

}  // namespace

TEST_CASE("api: devices list in every format, filtered by user") {
  Fixture f;
  AdminResponse r = f.call("GET", "/api/devices");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(f.json(r).size() == 3);
  r = f.call("GET", "/api/devices", "user=alice%40example.test&format=csv");
  CHECK(r.status == 200);
  CHECK(r.content_type.rfind("text/csv", 0) == 0);
  CHECK(r.body.find("user,device_id,device_type,") == 0);
  CHECK(r.body.find("alice@example.test,AndrDEV2,Android") != std::string::npos);
  CHECK(r.body.find("bob@") == std::string::npos);
  r = f.call("GET", "/api/devices", "format=table");
  CHECK(r.body.find("USER ") == 0);
  r = f.call("GET", "/api/devices", "format=xml");
  CHECK(r.status == 400);
  CHECK(f.error(r) == "format \"xml\" is not one of table, csv, json");
}

TEST_CASE("api: show, block, approve, allow with audit, metrics and store changes") {
  Fixture f;
  AdminResponse r = f.call("GET", "/api/devices/alice%40example.test/ApplDEV1");
  REQUIRE(r.status == 200);
  CHECK(f.json(r).find("access_state")->as_string() == "pending");
  CHECK(f.json(r).find("has_recovery_password") != nullptr);

  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/block", "",
             R"({"reason":"lost phone"})");
  REQUIRE(r.status == 200);
  CHECK(f.json(r).find("message")->as_string() ==
        "device alice@example.test/ApplDEV1: pending -> blocked");
  auto d = f.store->get_device({"alice@example.test", "ApplDEV1"});
  REQUIRE(d.is_ok());
  CHECK(d->access_state == DeviceAccessState::kBlocked);
  CHECK(d->access_reason == "lost phone");

  // Approve answers a quarantine; it does not lift a block.
  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/approve");
  CHECK(r.status == 409);
  CHECK(f.error(r).find("use 'allow' to lift a block") != std::string::npos);
  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/allow");
  CHECK(r.status == 200);
  CHECK(f.store->get_device({"alice@example.test", "ApplDEV1"})->access_state ==
        DeviceAccessState::kAllowed);

  auto audit = f.store->list_audit(StoreTime(), 100);
  REQUIRE(audit.is_ok());
  REQUIRE(audit->size() == 2);  // the refused approve is not an audit entry
  CHECK((*audit)[0].action == "device.block");
  CHECK((*audit)[0].actor == "admin-api/tester");
  CHECK((*audit)[0].target == "alice@example.test/ApplDEV1");
  CHECK((*audit)[0].details.find("lost phone") != std::string::npos);
  CHECK((*audit)[1].action == "device.allow");

  const std::string text = f.metrics.render_text();
  CHECK(text.find("easgate_admin_actions_total{action=\"device.block\",result=\"ok\"} 1") !=
        std::string::npos);
  CHECK(text.find("easgate_admin_actions_total{action=\"device.approve\",result=\"conflict\"} 1") !=
        std::string::npos);
}

TEST_CASE("api: unknown devices, bad bodies and bad paths give one precise error") {
  Fixture f;
  AdminResponse r = f.call("POST", "/api/devices/alice@example.test/NOPE/block");
  CHECK(r.status == 404);
  CHECK(f.error(r) == "device alice@example.test/NOPE not found");
  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/block", "", "{\"reason\":1}");
  CHECK(r.status == 400);
  CHECK(f.error(r) == "request body: \"reason\" must be a string");
  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/block", "", "{\"why\":\"x\"}");
  CHECK(r.status == 400);
  CHECK(f.error(r) == "request body: unknown field \"why\" (expected reason)");
  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/block", "", "{\"reason\":");
  CHECK(r.status == 400);
  CHECK(f.error(r).find("request body: JSON: unexpected end of input") == 0);
  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/explode");
  CHECK(r.status == 404);
  CHECK(f.error(r).find("unknown device action \"explode\"") == 0);
  r = f.call("GET", "/api/devices/alice@example.test/ApplDEV1/block");
  CHECK(r.status == 405);
  r = f.call("GET", "/api/devices/a%ZZ/x");
  CHECK(r.status == 400);
  r = f.call("GET", "/api/nothing");
  CHECK(r.status == 404);
  CHECK(f.store->get_device({"alice@example.test", "ApplDEV1"})->access_state ==
        DeviceAccessState::kPending);
}

TEST_CASE("api: wipe life cycle, account-only needs 16.1, remove guards a pending wipe") {
  Fixture f;
  AdminResponse r = f.call("POST", "/api/devices/alice@example.test/AndrDEV2/wipe", "",
                           R"({"account_only":true})");
  CHECK(r.status == 409);
  CHECK(f.error(r).find("needs EAS 16.1") != std::string::npos);
  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/wipe", "",
             R"({"account_only":true})");
  REQUIRE(r.status == 200);
  auto d = f.store->get_device({"alice@example.test", "ApplDEV1"});
  CHECK(d->wipe.state == WipeState::kRequested);
  CHECK(d->wipe.kind == WipeKind::kAccountOnly);
  CHECK(d->wipe.requested_by == "admin-api/tester");

  r = f.call("GET", "/api/reports/wipes", "format=csv");
  CHECK(r.body.find("alice@example.test,ApplDEV1,account_only,requested,admin-api/tester") !=
        std::string::npos);

  r = f.call("DELETE", "/api/devices/alice@example.test/ApplDEV1");
  CHECK(r.status == 409);
  CHECK(f.error(r).find("cancel-wipe first") != std::string::npos);
  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/cancel-wipe");
  CHECK(r.status == 200);
  CHECK(f.store->get_device({"alice@example.test", "ApplDEV1"})->wipe.state == WipeState::kNone);
  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/cancel-wipe");
  CHECK(r.status == 409);
  CHECK(f.error(r) == "device alice@example.test/ApplDEV1 has no wipe pending");

  REQUIRE(f.store->request_wipe({"alice@example.test", "ApplDEV1"}, WipeKind::kFull, "x",
                                f.clock.wall_now()).is_ok());
  REQUIRE(f.store->mark_wipe_acknowledged({"alice@example.test", "ApplDEV1"}, f.clock.wall_now())
              .is_ok());
  r = f.call("POST", "/api/devices/alice@example.test/ApplDEV1/cancel-wipe");
  CHECK(r.status == 409);
  CHECK(f.error(r).find("already acknowledged") != std::string::npos);

  r = f.call("DELETE", "/api/devices/alice@example.test/ApplDEV1");
  CHECK(r.status == 200);
  CHECK(f.store->get_device({"alice@example.test", "ApplDEV1"}).status().kind() ==
        ErrorKind::kNotFound);
}

TEST_CASE("api: users enable/disable/show and reports") {
  Fixture f;
  AdminResponse r = f.call("POST", "/api/users/bob@example.test/disable", "",
                           R"({"reason":"left the company"})");
  REQUIRE(r.status == 200);
  CHECK_FALSE(f.store->get_user("bob@example.test")->eas_enabled);
  r = f.call("POST", "/api/users/carol@example.test/disable");  // before first sync
  CHECK(r.status == 200);
  r = f.call("GET", "/api/users/nobody@example.test");
  CHECK(r.status == 404);
  CHECK(f.error(r) == "user nobody@example.test not found");
  r = f.call("GET", "/api/users/alice@example.test");
  CHECK(f.json(r).find("device_count")->as_integer() == 2);

  r = f.call("GET", "/api/reports/users", "format=csv");
  CHECK(r.body.find("alice@example.test,yes,2,0,0,0,2,0,") != std::string::npos);
  CHECK(r.body.find("bob@example.test,no,1,") != std::string::npos);
  r = f.call("GET", "/api/reports/devices", "format=csv");
  CHECK(r.body.find("user,device_id,device_type,model,friendly_name,os,protocol_version,"
                    "access_state,") == 0);
  r = f.call("GET", "/api/reports/nope");
  CHECK(r.status == 404);
}

TEST_CASE("api: audit lists actions since a time, with limits checked") {
  Fixture f;
  REQUIRE(f.call("POST", "/api/devices/bob@example.test/WinDEV3/quarantine").status == 200);
  f.clock.advance(std::chrono::hours(2));
  REQUIRE(f.call("POST", "/api/devices/bob@example.test/WinDEV3/approve").status == 200);
  AdminResponse r = f.call("GET", "/api/audit");
  CHECK(f.json(r).size() == 2);
  r = f.call("GET", "/api/audit", "since=1h");
  REQUIRE(f.json(r).size() == 1);
  CHECK(f.json(r).as_array()[0].find("action")->as_string() == "device.approve");
  r = f.call("GET", "/api/audit", "limit=0");
  CHECK(r.status == 400);
  r = f.call("GET", "/api/audit", "since=yesterday");
  CHECK(r.status == 400);
  CHECK(f.error(r).find("time \"yesterday\" is not") == 0);
  r = f.call("GET", "/api/audit", "since=2020-01-01T00:00:00Z&format=table");
  CHECK(r.body.find("device.quarantine") != std::string::npos);
}

TEST_CASE("percent codec") {
  std::string out;
  CHECK(percent_decode("alice%40example.test", &out));
  CHECK(out == "alice@example.test");
  CHECK_FALSE(percent_decode("a%4", &out));
  CHECK_FALSE(percent_decode("a%0a", &out));  // decoded control character
  CHECK(percent_encode("a b/c@d") == "a%20b%2Fc@d");
}
