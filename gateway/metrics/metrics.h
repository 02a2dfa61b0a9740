#pragma once
// The gateway's Prometheus metrics. One Metrics object per process, shared by all worker
// threads; every method is thread-safe. Names follow Prometheus conventions: easgate_
// prefix, base units (seconds, bytes), _total for counters. /metrics is served by our own
// admin listener with render_text(); there is no civetweb exposer.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
}

namespace easgate {

// Which way bytes went, for easgate_request_bytes_total{direction}.
enum class ByteDirection : uint8_t {
  kReceived,  // request bytes read from devices ("received")
  kSent,      // response bytes written to devices ("sent")
};

// Outcome of one backend call, for easgate_backend_calls_total{result}. Closed on purpose:
// free-form results would create unbounded series.
enum class BackendCallResult : uint8_t {
  kOk,           // the backend did what was asked ("ok")
  kRejected,     // the backend answered no / an error status ("rejected")
  kTimeout,      // no answer in time ("timeout")
  kUnavailable,  // could not connect or the connection broke ("unavailable")
};

const char* byte_direction_name(ByteDirection direction);
const char* backend_call_result_name(BackendCallResult result);

class Metrics {
 public:
  using Seconds = std::chrono::duration<double>;

  // Registers every family; `version` becomes easgate_build_info{version}.
  explicit Metrics(std::string_view version);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // A finished EAS request: easgate_requests_total{command,http_status,eas_status} and
  // easgate_request_duration_seconds{command}. eas_status 0 (none chosen) is exported as
  // "none". `command` must come from the command table, not the raw query string.
  void record_request(std::string_view command, int http_status, int eas_status,
                      Seconds elapsed);
  // easgate_requests_in_flight: every request between headers read and response written.
  void request_started();
  void request_finished();
  // easgate_held_requests{command}: Ping or hanging Sync waiting for a change.
  void held_request_started(std::string_view command);
  void held_request_finished(std::string_view command);
  // easgate_request_bytes_total{direction}.
  void add_request_bytes(ByteDirection direction, uint64_t bytes);
  // easgate_backend_calls_total{backend,operation,result} and
  // easgate_backend_call_duration_seconds{backend,operation}.
  void record_backend_call(std::string_view backend, std::string_view operation,
                           BackendCallResult result, Seconds elapsed);
  // easgate_auth_failures_total{reason}; reason is a fixed word ("bad_credentials",
  // "backend_unavailable", "malformed_header", ...), never the user name.
  void record_auth_failure(std::string_view reason);
  // easgate_connections_open{listener}.
  void connection_opened(std::string_view listener);
  void connection_closed(std::string_view listener);
  // easgate_access_decisions_total{state,reason}: every governance decision. state is
  // "allow", "block", "quarantine", "disabled", "throttled", "wipe", "provision"...;
  // reason a fixed kind ("rule", "default", "admin", ...), never a user or device id.
  void record_access_decision(std::string_view state, std::string_view reason_kind);
  // easgate_degraded_total{cause}: every degraded path (STYLE.md habit 9).
  void record_degraded(std::string_view cause);
  // easgate_push_wakeups_total{source}: change reports accepted by the push hub, by where
  // they came from ("push_endpoint", "imap_notify", "imap_idle", "poll").
  void record_push_wakeup(std::string_view source);
  // easgate_push_superseded_total: held Pings / hanging Syncs ended by a newer request of
  // the same device (MS-ASCMD 3.2.5).
  void record_push_superseded();

  // Prometheus text exposition format 0.0.4 of every family, for GET /metrics.
  std::string render_text() const;
  // For code that registers its own families next to ours.
  prometheus::Registry& registry();

 private:
  struct Families;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> families_;
};

}  // namespace easgate
