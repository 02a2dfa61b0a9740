#include <doctest/doctest.h>

#include "gateway/config/config_loader.h"
#include "tools/easgate-admin/admin_target.h"
#include "tools/easgate-admin/cli_args.h"

using namespace easgate;

namespace {

std::string usage_error(std::vector<std::string> args) {
  Result<CliCommand> r = parse_cli(args);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kInvalidArgument);
  return r.status().message();
}

CliCommand ok(std::vector<std::string> args) {
  Result<CliCommand> r = parse_cli(args);
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  return *r;
}

}  // namespace

TEST_CASE("cli: verbs map to API calls") {
  CliCommand c = ok({"--url", "http://127.0.0.1:1", "--token", "t", "devices", "list",
                     "--user", "alice@example.test", "--format", "csv"});
  CHECK(c.options.url == "http://127.0.0.1:1");
  CHECK(c.options.format == OutputFormat::kCsv);
  CHECK(c.call.method == "GET");
  CHECK(c.call.path == "/api/devices");
  CHECK(c.call.query == "user=alice@example.test");
  CHECK(c.call.listing);

  c = ok({"devices", "block", "alice@example.test/Appl 1", "--reason", "lost \"it\""});
  CHECK(c.call.method == "POST");
  CHECK(c.call.path == "/api/devices/alice@example.test/Appl%201/block");
  CHECK(c.call.body == R"({"reason":"lost \"it\""})");
  CHECK_FALSE(c.call.listing);

  c = ok({"devices", "wipe", "alice@example.test", "D1", "--account-only"});
  CHECK(c.call.path == "/api/devices/alice@example.test/D1/wipe");
  CHECK(c.call.body == R"({"account_only":true})");
  c = ok({"devices", "remove", "u", "d", "--force"});
  CHECK(c.call.method == "DELETE");
  CHECK(c.call.query == "force=1");
  c = ok({"users", "disable", "bob@example.test"});
  CHECK(c.call.path == "/api/users/bob@example.test/disable");
  c = ok({"reports", "devices", "--format=json"});
  CHECK(c.call.path == "/api/reports/devices");
  CHECK(c.options.format == OutputFormat::kJson);
  c = ok({"audit", "--since", "24h", "--limit", "5"});
  CHECK(c.call.query == "since=24h&limit=5");
  CHECK(ok({"--help"}).help);
}

TEST_CASE("cli: usage errors are one precise line") {
  CHECK(usage_error({}) ==
        "expected a verb: devices, users, reports, audit, rules, policies, exemptions");
  CHECK(usage_error({"device", "list"}) ==
        "unknown verb \"device\" (expected devices, users, reports, audit, rules, policies, "
        "exemptions)");
  CHECK(usage_error({"devices", "frob"}).find("devices: unknown verb \"frob\"") == 0);
  CHECK(usage_error({"devices", "block", "alice"}) ==
        "devices block: expected USER DEVICE or USER/DEVICE, got 1 argument");
  CHECK(usage_error({"devices", "block", "a", "b", "c"}) ==
        "devices block: expected USER DEVICE or USER/DEVICE, got 3 arguments");
  CHECK(usage_error({"devices", "list", "--format", "xml"}) ==
        "--format \"xml\" is not one of table, csv, json");
  CHECK(usage_error({"devices", "list", "--reason", "x"}) == "devices list: unknown option --reason");
  CHECK(usage_error({"devices", "wipe", "u", "d", "--acount-only"}) == "unknown option --acount-only");
  CHECK(usage_error({"devices", "show", "u", "d", "--format"}) == "--format needs a value");
  CHECK(usage_error({"--config", "a", "--url", "http://x", "audit"}) ==
        "--config and --url exclude each other");
  CHECK(usage_error({"--url", "ftp://x", "audit"}) ==
        "--url \"ftp://x\" must start with http:// or https://");
  CHECK(usage_error({"audit", "--limit", "-3"}) == "audit: --limit \"-3\" is not a positive number");
  CHECK(usage_error({"reports", "phones"}) == "reports: expected one of devices, users, wipes");
  CHECK(usage_error({"users", "show"}) == "users show: expected USER, got 0 arguments");
  CHECK(usage_error({"audit", "--force", "--force"}) == "--force given twice");
}

TEST_CASE("cli: the admin address and token come from the gateway config") {
  const std::string yaml = R"(
server:
  listeners:
    - {name: eas, address: 127.0.0.1, port: 18080, role: eas}
    - {name: admin, address: 0.0.0.0, port: 19464, role: admin}
backends:
  imap: {host: 127.0.0.1, port: 10143, tls: none}
  smtp: {host: 127.0.0.1, port: 10587, tls: none}
store: {driver: sqlite, path: /tmp/x.sqlite}
admin: {token: 0123456789abcdef-token}
)";
  ConfigCheck check = parse_config_text(yaml, "test.yaml", "/tmp", ConfigEnvironment::system());
  REQUIRE_MESSAGE(check.config.has_value(),
                  (check.errors.empty() ? std::string() : check.errors[0].message));
  Result<AdminTarget> target = admin_target_from_config(*check.config);
  REQUIRE(target.is_ok());
  CHECK(target->base_url == "http://127.0.0.1:19464");
  CHECK(target->token == "0123456789abcdef-token");

  GatewayConfig no_admin = *check.config;
  no_admin.server.listeners.pop_back();
  no_admin.source_path = "gw.yaml";
  CHECK(admin_target_from_config(no_admin).status().message() ==
        "gw.yaml: no listener has role admin");
}

TEST_CASE("cli: rules and policies verbs") {
  CliCommand c = ok({"rules", "test", "block-wp", "--action", "block", "--match",
                     "device_type~=WP*,user_agent^=MSFT", "--position", "1"});
  CHECK(c.call.method == "POST");
  CHECK(c.call.path == "/api/rules/test");
  CHECK(c.call.listing);
  CHECK(c.call.body == R"({"name":"block-wp","action":"block","match":{"device_type":{"glob":"WP*"},)"
                       R"("user_agent":{"prefix":"MSFT"}},"position":1})");
  c = ok({"rules", "add", "x", "--action", "allow", "--match", "user=alice@example.test"});
  CHECK(c.call.path == "/api/rules");
  CHECK_FALSE(c.call.listing);
  CHECK(ok({"rules", "remove", "x"}).call.method == "DELETE");
  CHECK(ok({"policies", "show", "strict"}).call.path == "/api/policies/strict");
  c = ok({"policies", "assign", "strict", "bob@example.test"});
  CHECK(c.call.body == R"({"user":"bob@example.test"})");
  CHECK(usage_error({"rules", "test", "x", "--action", "block"}) ==
        "rules test: --match FIELD=PATTERN is required");
  CHECK(usage_error({"rules", "test", "x", "--action", "block", "--match", "device_type"}) ==
        "rules: --match \"device_type\" is not FIELD=PATTERN, FIELD^=PATTERN or FIELD~=PATTERN");
  CHECK(usage_error({"rules", "list", "--match", "a=b"}) == "rules list: unknown option --match");
  CHECK(usage_error({"policies", "assign", "strict"}) ==
        "policies assign: expected NAME USER or NAME --group GROUP");
  c = ok({"policies", "assign", "strict", "--group", "sales"});
  CHECK(c.call.path == "/api/policies/strict/assign");
  CHECK(c.call.body == R"({"group":"sales"})");
  c = ok({"policies", "unassign", "strict", "bob@example.test"});
  CHECK(c.call.path == "/api/policies/strict/unassign");
  CHECK(usage_error({"policies", "assign", "strict", "bob", "--group", "g"}) ==
        "policies assign: expected NAME USER or NAME --group GROUP");
}

TEST_CASE("cli: exemptions and clear-wipe") {
  CliCommand c = ok({"exemptions", "block", "alice@example.test/LOST1", "--reason", "lost"});
  CHECK(c.call.method == "POST");
  CHECK(c.call.path == "/api/exemptions/alice@example.test/LOST1/block");
  CHECK(c.call.body == R"({"reason":"lost"})");
  c = ok({"exemptions", "remove", "alice@example.test", "LOST1"});
  CHECK(c.call.method == "DELETE");
  CHECK(c.call.path == "/api/exemptions/alice@example.test/LOST1");
  c = ok({"exemptions", "list", "--user", "bob@example.test"});
  CHECK(c.call.listing);
  CHECK(c.call.query == "user=bob@example.test");
  c = ok({"devices", "clear-wipe", "alice@example.test", "D1"});
  CHECK(c.call.path == "/api/devices/alice@example.test/D1/clear-wipe");
  CHECK(c.call.method == "POST");
  CHECK(usage_error({"exemptions", "quarantine", "u", "d"}) ==
        "exemptions: unknown verb \"quarantine\" (expected list, allow, block, remove)");
  CHECK(usage_error({"exemptions", "allow", "u"}) ==
        "exemptions allow: expected USER DEVICE or USER/DEVICE, got 1 argument");
}
