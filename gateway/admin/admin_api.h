#pragma once
// The admin JSON API: devices, users, reports and the audit log over a StateStore. Pure
// request -> response logic with no sockets, so unit tests drive it with a real SQLite
// store; gateway/server/admin_endpoint.cc adds bearer-token checks and HTTP plumbing.
//
// Routes (ids are percent-encoded path segments; `?format=table|csv|json` on every GET):
//   GET    /api/devices[?user=U]                 Get-ActiveSyncDevice
//   GET    /api/devices/{user}/{device}          Get-ActiveSyncDeviceStatistics
//   POST   /api/devices/{user}/{device}/approve  quarantined/pending -> allowed
//   POST   /api/devices/{user}/{device}/allow|block|quarantine   {"reason": "..."}
//   POST   /api/devices/{user}/{device}/wipe     {"account_only": true}  Clear-MobileDevice
//   POST   /api/devices/{user}/{device}/cancel-wipe
//   POST   /api/devices/{user}/{device}/clear-wipe   a wiped device may come back
//   DELETE /api/devices/{user}/{device}[?force=1]                      Remove-MobileDevice
//   GET    /api/users, /api/users/{user}
//   POST   /api/users/{user}/enable|disable      {"reason": "..."}  Set-CASMailbox
//   GET    /api/reports/devices|users|wipes
//   GET    /api/audit[?since=2026-01-02T00:00:00Z|24h&limit=N]
//   GET    /api/exemptions[?user=U]              personal exemptions
//   POST   /api/exemptions/{user}/{device}/allow|block, DELETE /api/exemptions/{user}/{device}
//   GET    /api/rules                   evaluation order: YAML rules, API rules, default
//   POST   /api/rules/test   {rule}     devices whose access the rule would change
//   POST   /api/rules {rule}, DELETE /api/rules/{name}   API rules (stored, schema 3)
//   GET    /api/policies, /api/policies/{name}   Get-ActiveSyncMailboxPolicy
//   POST   /api/policies/{name}/assign|unassign {"user": U} | {"group": G}   (stored)
// Errors are {"error": "<one precise line>"} with 400, 404, 405 or 409 (500/503 for store
// failures). Every state change appends an audit entry, logs one line and counts in
// easgate_admin_actions_total.
//
// Thread-safety: an AdminApi uses one StateStore connection; use it from one thread.

#include <string>
#include <string_view>

#include "gateway/admin/json.h"
#include "gateway/admin/report_format.h"

namespace easgate {

class AdminMetrics;
class Clock;
class StateStore;
struct GovernanceConfig;

struct AdminRequest {
  std::string method;  // "GET", "POST", "DELETE"
  std::string path;    // request path as received (percent-encoded), starting "/api/"
  std::string query;   // raw query string without '?'
  std::string body;    // JSON object for POST; may be empty
  std::string actor;   // who is calling, recorded in the audit log ("admin-api/<name>")
};

struct AdminResponse {
  int status = 200;          // HTTP status
  std::string content_type;  // MIME type of body
  std::string body;          // rendered JSON, CSV or table
};

class AdminApi {
 public:
  // `metrics` may be null (tests that do not look at metrics); `governance` (the YAML's
  // rules and policies) may be null, and /api/rules and /api/policies then answer 404.
  AdminApi(StateStore& store, const Clock& clock, AdminMetrics* metrics,
           const GovernanceConfig* governance = nullptr)
      : store_(store), clock_(clock), metrics_(metrics), governance_(governance) {}

  // Never fails: every problem is an error response.
  AdminResponse handle(const AdminRequest& request);

 private:
  StateStore& store_;
  const Clock& clock_;
  AdminMetrics* metrics_;
  const GovernanceConfig* governance_;
};

// "alice%40example.test" -> "alice@example.test"; false for a malformed escape or a
// decoded control character.
bool percent_decode(std::string_view in, std::string* out);
// Encodes everything but unreserved characters (RFC 3986 section 2.3) and '@'.
std::string percent_encode(std::string_view in);

}  // namespace easgate
