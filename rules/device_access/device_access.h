#pragma once
// Device access rules (Exchange: ActiveSyncDeviceAccessRule + organization settings),
// evaluated in this order, first answer wins:
//   1. a wipe the device acknowledged        -> Block (until an admin clears it)
//   2. an admin decision (approve/deny)      -> as decided
//   3. a personal exemption (user+device id) -> Allow or Block
//   4. the YAML rules in YAML order, first match         -> the rule's action
//   5. the rules added through the admin API, by position -> the rule's action
//   6. the organization default              -> default_action
// YAML rules come before API rules so the reviewed, version-controlled configuration is the
// baseline an API rule cannot silently undo; API rules decide what the YAML leaves open.
// Pure logic: the facts come from the request and the store, the answer goes back to the
// pipeline check, which records it and answers the device.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace easgate {

// What a rule (or decision) does with a device.
enum class AccessAction : uint8_t {
  kAllow,       // may sync
  kBlock,       // refused: common Status 129 (14.0+) or HTTP 403
  kQuarantine,  // may connect, sees only the quarantine notice until an admin allows it
};

// Which device fact a condition tests.
enum class MatchField : uint8_t {
  kDeviceType,   // MS-ASHTTP DeviceType, e.g. "iPhone"
  kDeviceModel,  // Settings DeviceInformation Model (empty until the device sends it)
  kDeviceOs,     // Settings DeviceInformation OS
  kUserAgent,    // User-Agent header
  kUser,         // authenticated (or, before authentication, claimed) user id
  kGroup,        // any group the user is in
};

// How a condition compares; all comparisons ignore ASCII case, as Exchange does.
enum class MatchKind : uint8_t {
  kExact,   // whole value equals the pattern
  kPrefix,  // value starts with the pattern
  kGlob,    // '*' any run, '?' one character
};

struct MatchCondition {
  MatchField field = MatchField::kDeviceType;  // what is tested
  MatchKind kind = MatchKind::kExact;          // how
  std::string pattern;                         // compared case-insensitively
};

struct DeviceAccessRule {
  std::string name;                        // unique; names the rule in reasons and logs
  std::vector<MatchCondition> conditions;  // all must match (an empty list matches all)
  AccessAction action = AccessAction::kAllow;  // applied on a match
};

struct DeviceAccessPolicy {
  std::vector<DeviceAccessRule> rules;          // ordered: first match wins
  AccessAction default_action = AccessAction::kAllow;  // nothing matched
};

// Everything known about the device when the decision is made.
struct DeviceFacts {
  std::string user;                 // user id (claimed before authentication)
  std::vector<std::string> groups;  // groups of `user`
  std::string device_id;            // MS-ASHTTP DeviceId
  std::string device_type;          // MS-ASHTTP DeviceType
  std::string model;                // Settings Model, "" when unknown
  std::string os;                   // Settings OS, "" when unknown
  std::string user_agent;           // User-Agent header
  std::optional<AccessAction> admin_decision;      // set by an admin (store access_by_admin)
  std::optional<AccessAction> personal_exemption;  // kAllow or kBlock for this user + device
  bool wipe_acknowledged = false;   // the device confirmed a remote wipe earlier
};

// Why a decision was made: the kind is a metric label, `reason` names the rule.
enum class AccessReasonKind : uint8_t {
  kWiped,      // the device was wiped and not cleared
  kAdmin,      // an admin decision
  kExemption,  // a personal exemption
  kRule,       // a device access rule matched
  kDefault,    // the organization default
};

struct AccessDecision {
  AccessAction action = AccessAction::kAllow;      // what to do
  AccessReasonKind kind = AccessReasonKind::kDefault;  // which step decided
  std::string reason;  // e.g. "rule:block-old-android", "default", "admin", "exemption"
};

bool matches(const MatchCondition& condition, const DeviceFacts& facts);
bool matches(const DeviceAccessRule& rule, const DeviceFacts& facts);
// '*' and '?' glob, ASCII case-insensitive; no character classes. Linear-time in practice
// (greedy with one backtrack point), so a hostile User-Agent cannot make it quadratic-blow.
bool glob_match(std::string_view pattern, std::string_view text);

AccessDecision evaluate_device_access(const DeviceAccessPolicy& policy,
                                      const DeviceFacts& facts);
// The same with `api_rules` (rules added through the admin API, in position order) tried
// after policy.rules and before policy.default_action (steps 4-6 above).
AccessDecision evaluate_device_access(const DeviceAccessPolicy& policy,
                                      const std::vector<DeviceAccessRule>& api_rules,
                                      const DeviceFacts& facts);

// Text names, the inverse of the *_name functions below; false for an unknown name.
bool parse_access_action(std::string_view name, AccessAction* out);  // "allow", ...
bool parse_match_field(std::string_view name, MatchField* out);      // "device_type", ...
bool parse_match_kind(std::string_view name, MatchKind* out);        // "exact", ...
const char* match_kind_name(MatchKind kind);                         // "exact", ...

const char* access_action_name(AccessAction action);      // "allow", "block", "quarantine"
const char* access_reason_kind_name(AccessReasonKind kind);  // "rule", "default", ...
const char* match_field_name(MatchField field);           // "device_type", ...

}  // namespace easgate
