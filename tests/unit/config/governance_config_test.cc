// governance: section — policies, rules, groups, with file:line:key errors.
#include <doctest/doctest.h>

#include "tests/unit/config/fake_environment.h"

namespace easgate {
namespace {

using test::error_lines;
using test::minimal_config;
using Lines = std::vector<std::string>;

const char* kGovernance = R"(governance:
  admin_email: bob@example.test
  max_devices_per_user: 3
  groups:
    sales: [Dave@Example.test]
  policies:
    default: standard
    definitions:
      - {name: standard, device_password_enabled: true, min_device_password_length: 6}
      - {name: open, max_email_body_truncation_size: -1}
    assign_groups: [{group: sales, policy: open}]
  device_access:
    default: quarantine
    rules:
      - name: block-wp
        action: block
        match: {device_type: {glob: "WP*"}, user_agent: {prefix: MSFT}}
)";

TEST_CASE("a governance section is parsed into rules types") {
  test::FakeEnvironment fake;
  ConfigEnvironment env = fake.make();
  ConfigCheck check = parse_config_text(minimal_config() + kGovernance, "t.yaml", "/cfg", env);
  REQUIRE(check.errors.empty());
  const GovernanceConfig& g = check.config->governance;
  CHECK(g.admin_email == "bob@example.test");
  CHECK(g.max_devices_per_user == 3);
  CHECK(g.policies.provisioning_required());
  CHECK(g.policies.effective_policy("alice@example.test", g.groups).min_device_password_length ==
        6u);
  CHECK(g.policies.effective_policy("dave@example.test", g.groups).name == "open");
  CHECK(g.device_access.default_action == AccessAction::kQuarantine);
  REQUIRE(g.device_access.rules.size() == 1);
  const DeviceAccessRule& r = g.device_access.rules[0];
  REQUIRE(r.conditions.size() == 2);
  CHECK(r.conditions[0].field == MatchField::kDeviceType);
  CHECK(r.conditions[0].kind == MatchKind::kGlob);
  CHECK(r.conditions[0].pattern == "WP*");
  CHECK(r.conditions[1].kind == MatchKind::kPrefix);
}

TEST_CASE("governance errors name file, line and key") {
  std::string yaml = minimal_config() + R"(governance:
  policies:
    default: standrd
    definitions:
      - {name: standard, min_device_password_length: 40}
  device_access:
    rules:
      - {name: r, action: deny, match: {device_typ: x}}
)";
  Lines lines = error_lines(yaml);
  CHECK(lines.size() == 4);
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  INFO(all);
  CHECK(all.find("t.yaml:17:") != std::string::npos);  // the line of `default: standrd`
  CHECK(all.find("governance.policies.definitions[0].min_device_password_length") !=
        std::string::npos);
  CHECK(all.find("unknown policy \"standrd\" (did you mean \"standard\"?)") !=
        std::string::npos);
  CHECK(all.find("governance.device_access.rules[0].action") != std::string::npos);
  CHECK(all.find("device_typ") != std::string::npos);
}

}  // namespace
}  // namespace easgate
