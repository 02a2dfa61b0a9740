#pragma once
// easgate_admin_actions_total{action,result}: every admin API call that changes state (and
// every refused one), so a dashboard shows wipes and blocks next to traffic. Registered on
// the gateway's own registry; thread-safe.

#include <string_view>

namespace prometheus {
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace easgate {

class Metrics;

class AdminMetrics {
 public:
  explicit AdminMetrics(Metrics& metrics);
  // `action` is a fixed name ("device.block"), `result` one of "ok", "invalid",
  // "not_found", "conflict", "error", "unauthorized" — never a user or device id.
  void record(std::string_view action, std::string_view result);

 private:
  prometheus::Family<prometheus::Counter>& actions_;
};

}  // namespace easgate
