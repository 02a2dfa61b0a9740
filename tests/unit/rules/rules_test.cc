// Governance rules: pure logic, so every decision is checked directly.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "rules/device_access/device_access.h"
#include "rules/enablement/enablement.h"
#include "rules/policy/policy_set.h"
#include "rules/throttle/token_bucket.h"
#include "rules/wipe/wipe_decision.h"

using namespace easgate;
using namespace std::chrono_literals;

TEST_CASE("policy key: deterministic, nonzero, changes with any setting but not the name") {
  ProvisioningPolicy a, b;
  b.name = "other";
  CHECK(policy_key(a) == policy_key(b));
  CHECK(policy_key(a) != 0);
  b.min_device_password_length = 6;
  CHECK(policy_key(a) != policy_key(b));
  ProvisioningPolicy c;
  c.approved_application_list = {"ab", "c"};
  ProvisioningPolicy d;
  d.approved_application_list = {"a", "bc"};
  CHECK(policy_key(c) != policy_key(d));
  uint32_t k = policy_key(a);
  CHECK(temporary_policy_key(k) != k);
  CHECK(temporary_policy_key(k) != 0);
}

TEST_CASE("policy key verdicts") {
  CHECK(check_policy_key(false, 5, std::nullopt, 0, false) == PolicyKeyVerdict::kNotRequired);
  CHECK(check_policy_key(true, 5, std::nullopt, 5, true) == PolicyKeyVerdict::kNotProvisioned);
  CHECK(check_policy_key(true, 5, 0u, 5, true) == PolicyKeyVerdict::kNotProvisioned);
  CHECK(check_policy_key(true, 5, 5u, 5, false) == PolicyKeyVerdict::kNotProvisioned);
  CHECK(check_policy_key(true, 5, 4u, 4, true) == PolicyKeyVerdict::kInvalidKey);
  CHECK(check_policy_key(true, 5, 5u, 5, true) == PolicyKeyVerdict::kCurrent);
}

TEST_CASE("WAP form covers only the 2.5 settings") {
  ProvisioningPolicy p;
  p.device_password_enabled = true;
  p.min_device_password_length = 4;
  p.allow_irda = false;
  CHECK(wap_form_covers(p));
  p.allow_camera = false;
  CHECK_FALSE(wap_form_covers(p));
}

TEST_CASE("policy assignment: user over group over default; first group wins") {
  ProvisioningPolicy std_p, strict, sales;
  std_p.name = "standard";
  strict.name = "strict";
  strict.device_password_enabled = true;
  sales.name = "sales";
  PolicyAssignments as;
  as.by_user["Carol@Example.test"] = "strict";
  as.by_group = {{"sales", "sales"}, {"ops", "strict"}};
  PolicySet set({std_p, strict, sales}, "standard", as);
  UserGroups groups({{"sales", {"dave@example.test"}}, {"ops", {"dave@example.test"}}});
  CHECK(set.provisioning_required());
  CHECK(set.effective_policy("carol@example.test", groups).name == "strict");
  CHECK(set.effective_policy("dave@example.test", groups).name == "sales");
  CHECK(set.effective_policy("erin@example.test", groups).name == "standard");
  CHECK_FALSE(PolicySet().provisioning_required());
}

TEST_CASE("glob matching") {
  CHECK(glob_match("WP*", "wp7"));
  CHECK(glob_match("*Phone?", "iPhone5"));
  CHECK_FALSE(glob_match("*Phone?", "iPhone"));
  CHECK(glob_match("a*b*c", "aXXbYYc"));
  CHECK_FALSE(glob_match("a*b*c", "aXXbYY"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match(std::string(50, '*') + "x", std::string(10000, 'a') + "x"));
}

TEST_CASE("device access order: wiped, admin, exemption, rules, default") {
  DeviceAccessPolicy policy;
  policy.default_action = AccessAction::kQuarantine;
  policy.rules.push_back({"allow-ios", {{MatchField::kDeviceType, MatchKind::kPrefix, "iP"}},
                          AccessAction::kAllow});
  policy.rules.push_back({"block-sales", {{MatchField::kGroup, MatchKind::kExact, "sales"}},
                          AccessAction::kBlock});
  DeviceFacts f;
  f.device_type = "iPhone";
  f.groups = {"sales"};
  auto d = evaluate_device_access(policy, f);
  CHECK(d.action == AccessAction::kAllow);
  CHECK(d.reason == "rule:allow-ios");
  f.device_type = "Android";
  CHECK(evaluate_device_access(policy, f).action == AccessAction::kBlock);
  f.groups.clear();
  d = evaluate_device_access(policy, f);
  CHECK(d.action == AccessAction::kQuarantine);
  CHECK(d.kind == AccessReasonKind::kDefault);
  f.personal_exemption = AccessAction::kAllow;
  CHECK(evaluate_device_access(policy, f).kind == AccessReasonKind::kExemption);
  f.admin_decision = AccessAction::kBlock;
  CHECK(evaluate_device_access(policy, f).action == AccessAction::kBlock);
  f.admin_decision = AccessAction::kAllow;
  f.wipe_acknowledged = true;
  CHECK(evaluate_device_access(policy, f).kind == AccessReasonKind::kWiped);
}

TEST_CASE("wipe decisions by version and command") {
  CHECK(decide_wipe(WipePhase::kNone, WipeScope::kFull, 141, false) == WipeAction::kProceed);
  CHECK(decide_wipe(WipePhase::kPending, WipeScope::kFull, 141, false) == WipeAction::kStatus140);
  CHECK(decide_wipe(WipePhase::kPending, WipeScope::kFull, 121, false) == WipeAction::kHttp449);
  CHECK(decide_wipe(WipePhase::kPending, WipeScope::kFull, 25, true) ==
        WipeAction::kDeliverInProvision);
  CHECK(decide_wipe(WipePhase::kPending, WipeScope::kAccountOnly, 160, true) ==
        WipeAction::kBlockUndeliverable);
  CHECK(decide_wipe(WipePhase::kPending, WipeScope::kAccountOnly, 161, true) ==
        WipeAction::kDeliverInProvision);
  CHECK(decide_wipe(WipePhase::kAcknowledged, WipeScope::kFull, 161, true) ==
        WipeAction::kBlockWiped);
}

TEST_CASE("enablement: disabled user, device limit only for new devices") {
  EnablementFacts f;
  CHECK(decide_enablement(f) == EnablementVerdict::kEnabled);
  f.max_devices_per_user = 2;
  f.devices_of_user = 2;
  CHECK(decide_enablement(f) == EnablementVerdict::kTooManyDevices);
  f.device_known = true;
  CHECK(decide_enablement(f) == EnablementVerdict::kEnabled);
  f.user_enabled = false;
  CHECK(decide_enablement(f) == EnablementVerdict::kUserDisabled);
}

TEST_CASE("token bucket with an injected clock") {
  TokenBucketThrottle off({});
  auto t0 = std::chrono::steady_clock::time_point{};
  for (int i = 0; i < 1000; ++i) CHECK(off.take("k", t0).allowed);
  ThrottleSettings s;
  s.enabled = true;
  s.requests_per_second = 1;
  s.burst = 3;
  TokenBucketThrottle on(s);
  CHECK(on.take("k", t0).allowed);
  CHECK(on.take("k", t0).allowed);
  CHECK(on.take("k", t0).allowed);
  auto refused = on.take("k", t0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after == 1s);
  CHECK(on.take("other", t0).allowed);  // per key
  CHECK(on.take("k", t0 + 1s).allowed);
  CHECK_FALSE(on.take("k", t0 + 1s).allowed);
}

TEST_CASE("API rules come after the YAML rules and before the default") {
  DeviceAccessPolicy yaml;
  yaml.default_action = AccessAction::kAllow;
  yaml.rules.push_back({"allow-ios", {{MatchField::kDeviceType, MatchKind::kPrefix, "iP"}},
                        AccessAction::kAllow});
  std::vector<DeviceAccessRule> api;
  api.push_back({"block-phones", {{MatchField::kDeviceType, MatchKind::kGlob, "*phone"}},
                 AccessAction::kBlock});
  api.push_back({"q-android", {{MatchField::kDeviceType, MatchKind::kExact, "android"}},
                 AccessAction::kQuarantine});
  DeviceFacts f;
  f.device_type = "iPhone";  // YAML allow-ios matches first: the API block cannot undo it
  CHECK(evaluate_device_access(yaml, api, f).reason == "rule:allow-ios");
  f.device_type = "WindowsPhone";
  CHECK(evaluate_device_access(yaml, api, f).reason == "rule:block-phones");
  f.device_type = "Android";
  CHECK(evaluate_device_access(yaml, api, f).action == AccessAction::kQuarantine);
  f.device_type = "Tablet";
  CHECK(evaluate_device_access(yaml, api, f).kind == AccessReasonKind::kDefault);
  f.device_type = "WindowsPhone";
  f.personal_exemption = AccessAction::kAllow;  // exemptions outrank every rule
  CHECK(evaluate_device_access(yaml, api, f).kind == AccessReasonKind::kExemption);
}

TEST_CASE("rule names round-trip through their text form") {
  AccessAction a{};
  CHECK(parse_access_action("quarantine", &a));
  CHECK(a == AccessAction::kQuarantine);
  CHECK_FALSE(parse_access_action("deny", &a));
  MatchField f{};
  CHECK(parse_match_field("user_agent", &f));
  CHECK(f == MatchField::kUserAgent);
  CHECK_FALSE(parse_match_field("colour", &f));
  MatchKind k{};
  CHECK(parse_match_kind("prefix", &k));
  CHECK(std::string(match_kind_name(k)) == "prefix");
  CHECK_FALSE(parse_match_kind("regex", &k));
}

TEST_CASE("policy assignment: API overrides the YAML at each level") {
  ProvisioningPolicy std_p, strict, sales;
  std_p.name = "standard";
  strict.name = "strict";
  sales.name = "sales";
  PolicyAssignments yaml;
  yaml.by_user["carol@example.test"] = "strict";
  yaml.by_group = {{"sales", "sales"}};
  PolicySet set({std_p, strict, sales}, "standard", yaml);
  const std::vector<std::string> in_sales = {"sales"};
  PolicyAssignments api;
  CHECK(set.effective_policy("dave@example.test", in_sales, api).name == "sales");
  api.by_group = {{"sales", "strict"}};  // API group beats YAML group
  CHECK(set.effective_policy("dave@example.test", in_sales, api).name == "strict");
  api.by_user["carol@example.test"] = "standard";  // API user beats YAML user
  CHECK(set.effective_policy("carol@example.test", in_sales, api).name == "standard");
  // YAML user beats API group.
  api.by_user.clear();
  CHECK(set.effective_policy("carol@example.test", in_sales, api).name == "strict");
  // An API assignment to a policy the YAML no longer defines is skipped.
  api.by_user["dave@example.test"] = "gone";
  CHECK(set.effective_policy("dave@example.test", in_sales, api).name == "strict");
}
