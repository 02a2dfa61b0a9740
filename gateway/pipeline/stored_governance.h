#pragma once
// Governance added through the admin API (device access rules, policy assignments), read
// from the state store and turned into rules/ types. Each worker thread keeps one copy per
// store connection and re-reads it only when the store's governance_revision changed, so a
// request costs one single-row SELECT, not the rule lists, and an admin change is seen by
// the very next request on every worker (and every node sharing the store).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/core/status.h"
#include "gateway/store/state_store.h"
#include "rules/device_access/device_access.h"
#include "rules/policy/policy_set.h"

namespace easgate {

class Metrics;

struct StoredGovernance {
  int64_t revision = -1;                // store governance_revision this copy was read at
  std::vector<DeviceAccessRule> rules;  // API rules in position order (after the YAML's)
  PolicyAssignments assignments;        // API assignments; groups in name order
  // Rows this easgate cannot use (an unknown field, kind or action written by a newer
  // version), "name: why" each; they are skipped, never guessed at.
  std::vector<std::string> skipped;
};

// One stored rule as a DeviceAccessRule, or kInvalidArgument naming what is unknown.
Result<DeviceAccessRule> to_access_rule(const StoredAccessRule& row);

// Store rows -> StoredGovernance (pure; unit-tested).
StoredGovernance convert_stored_governance(int64_t revision,
                                           const std::vector<StoredAccessRule>& rules,
                                           const std::vector<PolicyAssignmentRecord>& assignments);

// This thread's copy for `store`, refreshed when the revision moved. Never null: when the
// store cannot be read the last good copy is kept (an empty one before the first read),
// counted as degraded in `metrics` (may be null) and logged once per cause.
std::shared_ptr<const StoredGovernance> stored_governance(StateStore& store, Metrics* metrics);
// The same with the revision already read (RequestGovernanceRow::governance_revision): no
// SELECT at all unless the revision moved.
std::shared_ptr<const StoredGovernance> stored_governance(StateStore& store, Metrics* metrics,
                                                          int64_t revision);

// The copy this thread read last (from any store), or an empty one. For code that has the
// config but not the store at hand (e.g. policy enforcement inside a command handler) and
// runs on a worker after the request's governance checks refreshed the copy.
std::shared_ptr<const StoredGovernance> last_stored_governance();

}  // namespace easgate
