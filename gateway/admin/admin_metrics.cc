#include "gateway/admin/admin_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <string>

#include "gateway/metrics/metrics.h"

namespace easgate {

AdminMetrics::AdminMetrics(Metrics& metrics)
    : actions_(prometheus::BuildCounter()
                   .Name("easgate_admin_actions_total")
                   .Help("Admin API actions, by action and result")
                   .Register(metrics.registry())) {}

void AdminMetrics::record(std::string_view action, std::string_view result) {
  // Both labels come from closed sets in the admin code, so series stay bounded; Family::Add
  // is locked and admin traffic is tiny, so no label cache is needed.
  actions_.Add({{"action", std::string(action)}, {"result", std::string(result)}}).Increment();
}

}  // namespace easgate
