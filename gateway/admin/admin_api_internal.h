#pragma once
// Shared by the admin API's route files; not for use outside gateway/admin/.

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/admin/admin_api.h"
#include "gateway/admin/json.h"
#include "gateway/admin/report_format.h"
#include "gateway/core/status.h"
#include "gateway/store/state_store.h"

namespace easgate {
struct GovernanceConfig;
}

namespace easgate::admin_internal {

// One request being answered.
struct Call {
  StateStore& store;                         // this thread's store connection
  const Clock& clock;                        // wall time for audit entries and changes
  AdminMetrics* metrics;                     // may be null
  const GovernanceConfig* governance;        // YAML rules and policies; may be null
  const AdminRequest& request;               // as received
  std::vector<std::string> segments;         // decoded path segments after "/api"
  std::map<std::string, std::string> query;  // decoded query parameters (last one wins)
  OutputFormat format = OutputFormat::kJson;  // ?format=, JSON by default for programs
};

AdminResponse json_response(int status, const JsonValue& value);
AdminResponse error_response(int status, const std::string& message);
// The store's error as a response: kNotFound 404, kConflict 409, kInvalidArgument 400, ...
AdminResponse status_response(const Status& status);
AdminResponse listing_response(const Call& call, const std::vector<ReportColumn>& columns,
                               const JsonValue& rows);
AdminResponse record_response(const Call& call, const JsonValue& record);

// The POST body as an object holding only `allowed` keys ({} when empty), or kMalformed /
// kInvalidArgument naming the offending key.
Result<JsonValue> parse_body(const Call& call, std::initializer_list<std::string_view> allowed);
// A ?name= parameter parsed as a boolean ("1", "true", "yes" / "0", "false", "no").
Result<bool> query_flag(const Call& call, const std::string& name);

// "2026-01-02T03:04:05Z"; "" for the epoch ("never").
std::string format_time(StoreTime t);
// "2026-01-02T03:04:05Z", "2026-01-02", or a relative "90m" / "24h" / "7d" before `now`.
Result<StoreTime> parse_time(std::string_view text, StoreTime now);

JsonValue device_json(const DeviceRecord& d);
JsonValue user_json(const UserRecord& u);
std::string device_target(const std::string& user, const std::string& device);
// Checks a user or device id taken from a path: non-empty, short, printable.
Status check_id(std::string_view what, const std::string& id);

// After a state change (or a refused one): appends the audit entry when `outcome` is ok,
// logs one line and counts the metric. Returns false when the audit entry could not be
// written (the change itself stands; the caller says so in the response).
bool record_action(Call& call, std::string_view action, const std::string& target,
                   const JsonValue& details, const Status& outcome);

AdminResponse handle_devices(Call& call);
AdminResponse handle_users(Call& call);
AdminResponse handle_reports(Call& call);
AdminResponse handle_audit(Call& call);
// /api/rules and /api/policies (rule_routes.cc, policy_routes.cc).
AdminResponse handle_governance(Call& call, const GovernanceConfig* governance);
AdminResponse handle_rules(Call& call, const GovernanceConfig& governance);
AdminResponse handle_policies(Call& call, const GovernanceConfig& governance);
// /api/exemptions (exemption_routes.cc).
AdminResponse handle_exemptions(Call& call);

}  // namespace easgate::admin_internal
