#include "rules/device_access/device_access.h"

#include <algorithm>

#include "rules/groups/user_groups.h"

namespace easgate {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool match_value(MatchKind kind, std::string_view pattern, std::string_view value) {
  switch (kind) {
    case MatchKind::kExact: return iequal(pattern, value);
    case MatchKind::kPrefix:
      return value.size() >= pattern.size() && iequal(pattern, value.substr(0, pattern.size()));
    case MatchKind::kGlob: return glob_match(pattern, value);
  }
  return false;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Classic greedy wildcard match: remember the last '*' and where it started matching;
  // on a mismatch let that '*' swallow one more character. O(len(p) * len(t)) worst case,
  // bounded by header sizes.
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_t = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool matches(const MatchCondition& c, const DeviceFacts& f) {
  switch (c.field) {
    case MatchField::kDeviceType: return match_value(c.kind, c.pattern, f.device_type);
    case MatchField::kDeviceModel: return match_value(c.kind, c.pattern, f.model);
    case MatchField::kDeviceOs: return match_value(c.kind, c.pattern, f.os);
    case MatchField::kUserAgent: return match_value(c.kind, c.pattern, f.user_agent);
    case MatchField::kUser: return match_value(c.kind, c.pattern, f.user);
    case MatchField::kGroup:
      return std::any_of(f.groups.begin(), f.groups.end(), [&](const std::string& g) {
        return match_value(c.kind, c.pattern, g);
      });
  }
  return false;
}

bool matches(const DeviceAccessRule& rule, const DeviceFacts& facts) {
  return std::all_of(rule.conditions.begin(), rule.conditions.end(),
                     [&](const MatchCondition& c) { return matches(c, facts); });
}

AccessDecision evaluate_device_access(const DeviceAccessPolicy& policy,
                                      const DeviceFacts& facts) {
  static const std::vector<DeviceAccessRule> kNoApiRules;
  return evaluate_device_access(policy, kNoApiRules, facts);
}

AccessDecision evaluate_device_access(const DeviceAccessPolicy& policy,
                                      const std::vector<DeviceAccessRule>& api_rules,
                                      const DeviceFacts& facts) {
  if (facts.wipe_acknowledged) {
    return {AccessAction::kBlock, AccessReasonKind::kWiped, "wiped"};
  }
  if (facts.admin_decision) return {*facts.admin_decision, AccessReasonKind::kAdmin, "admin"};
  if (facts.personal_exemption) {
    return {*facts.personal_exemption, AccessReasonKind::kExemption, "exemption"};
  }
  for (const DeviceAccessRule& rule : policy.rules) {
    if (matches(rule, facts)) return {rule.action, AccessReasonKind::kRule, "rule:" + rule.name};
  }
  for (const DeviceAccessRule& rule : api_rules) {
    if (matches(rule, facts)) return {rule.action, AccessReasonKind::kRule, "rule:" + rule.name};
  }
  return {policy.default_action, AccessReasonKind::kDefault, "default"};
}

const char* access_action_name(AccessAction a) {
  switch (a) {
    case AccessAction::kAllow: return "allow";
    case AccessAction::kBlock: return "block";
    case AccessAction::kQuarantine: return "quarantine";
  }
  return "unknown";
}

const char* access_reason_kind_name(AccessReasonKind k) {
  switch (k) {
    case AccessReasonKind::kWiped: return "wiped";
    case AccessReasonKind::kAdmin: return "admin";
    case AccessReasonKind::kExemption: return "exemption";
    case AccessReasonKind::kRule: return "rule";
    case AccessReasonKind::kDefault: return "default";
  }
  return "unknown";
}

const char* match_field_name(MatchField f) {
  switch (f) {
    case MatchField::kDeviceType: return "device_type";
    case MatchField::kDeviceModel: return "device_model";
    case MatchField::kDeviceOs: return "device_os";
    case MatchField::kUserAgent: return "user_agent";
    case MatchField::kUser: return "user";
    case MatchField::kGroup: return "group";
  }
  return "unknown";
}

}  // namespace easgate

namespace easgate {

bool parse_access_action(std::string_view name, AccessAction* out) {
  for (AccessAction a : {AccessAction::kAllow, AccessAction::kBlock, AccessAction::kQuarantine}) {
    if (name == access_action_name(a)) {
      *out = a;
      return true;
    }
  }
  return false;
}

bool parse_match_field(std::string_view name, MatchField* out) {
  for (MatchField f : {MatchField::kDeviceType, MatchField::kDeviceModel, MatchField::kDeviceOs,
                       MatchField::kUserAgent, MatchField::kUser, MatchField::kGroup}) {
    if (name == match_field_name(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

const char* match_kind_name(MatchKind kind) {
  switch (kind) {
    case MatchKind::kExact: return "exact";
    case MatchKind::kPrefix: return "prefix";
    case MatchKind::kGlob: return "glob";
  }
  return "unknown";
}

bool parse_match_kind(std::string_view name, MatchKind* out) {
  for (MatchKind k : {MatchKind::kExact, MatchKind::kPrefix, MatchKind::kGlob}) {
    if (name == match_kind_name(k)) {
      *out = k;
      return true;
    }
  }
  return false;
}

}  // namespace easgate
