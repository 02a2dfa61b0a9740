#include "gateway/metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <exception>
#include <sstream>

#include "gateway/core/log.h"
#include "gateway/metrics/label_cache.h"

namespace easgate {
namespace {

// Per-family series cap; far above what the closed label sets produce.
constexpr size_t kMaxSeries = 2000;

// Requests span 1 ms (a cached FolderSync) to 30 min (a held Ping at its heartbeat).
const prometheus::Histogram::BucketBoundaries kRequestBuckets{
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    2.5,   5,      10,    30,   60,    120,  300, 600,  900, 1200, 1800};
// Backend calls: sub-millisecond local IMAP to a minute-long FETCH of a big attachment.
const prometheus::Histogram::BucketBoundaries kBackendBuckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

}  // namespace

const char* byte_direction_name(ByteDirection direction) {
  switch (direction) {
    case ByteDirection::kReceived: return "received";
    case ByteDirection::kSent: return "sent";
  }
  return "unknown";
}

const char* backend_call_result_name(BackendCallResult result) {
  switch (result) {
    case BackendCallResult::kOk: return "ok";
    case BackendCallResult::kRejected: return "rejected";
    case BackendCallResult::kTimeout: return "timeout";
    case BackendCallResult::kUnavailable: return "unavailable";
  }
  return "unknown";
}

struct Metrics::Families {
  explicit Families(prometheus::Registry& r)
      : requests(prometheus::BuildCounter()
                     .Name("easgate_requests_total")
                     .Help("EAS requests answered, by command, HTTP status and EAS status")
                     .Register(r)),
        request_duration(prometheus::BuildHistogram()
                             .Name("easgate_request_duration_seconds")
                             .Help("Time from request headers to the end of the response")
                             .Register(r)),
        in_flight(prometheus::BuildGauge()
                      .Name("easgate_requests_in_flight")
                      .Help("EAS requests being processed, including held ones")
                      .Register(r)),
        held(prometheus::BuildGauge()
                 .Name("easgate_held_requests")
                 .Help("Ping and hanging Sync requests waiting for a change")
                 .Register(r)),
        bytes(prometheus::BuildCounter()
                  .Name("easgate_request_bytes_total")
                  .Help("Bytes of EAS requests received and responses sent")
                  .Register(r)),
        backend_calls(prometheus::BuildCounter()
                          .Name("easgate_backend_calls_total")
                          .Help("Calls to mailbox backends, by backend, operation and result")
                          .Register(r)),
        backend_duration(prometheus::BuildHistogram()
                             .Name("easgate_backend_call_duration_seconds")
                             .Help("Duration of backend calls")
                             .Register(r)),
        auth_failures(prometheus::BuildCounter()
                          .Name("easgate_auth_failures_total")
                          .Help("Rejected authentications, by reason")
                          .Register(r)),
        connections(prometheus::BuildGauge()
                        .Name("easgate_connections_open")
                        .Help("Open client connections, by listener")
                        .Register(r)),
        degraded(prometheus::BuildCounter()
                     .Name("easgate_degraded_total")
                     .Help("Degraded paths taken (fallbacks, retries, skipped items), by cause")
                     .Register(r)),
        push_wakeups(prometheus::BuildCounter()
                         .Name("easgate_push_wakeups_total")
                         .Help("Change reports that woke held requests, by source")
                         .Register(r)),
        push_superseded(prometheus::BuildCounter()
                            .Name("easgate_push_superseded_total")
                            .Help("Held Pings and Syncs ended by a newer request of the device")
                            .Register(r)),
        access_decisions(prometheus::BuildCounter()
                             .Name("easgate_access_decisions_total")
                             .Help("Governance decisions on requests, by state and reason kind")
                             .Register(r)),
        build_info(prometheus::BuildGauge()
                       .Name("easgate_build_info")
                       .Help("Always 1; the version label identifies the build")
                       .Register(r)),
        requests_by(requests, {"command", "http_status", "eas_status"}, kMaxSeries),
        request_duration_by(request_duration, {"command"}, kMaxSeries),
        in_flight_total(in_flight.Add({})),
        held_by(held, {"command"}, kMaxSeries),
        bytes_received(bytes.Add({{"direction", "received"}})),
        bytes_sent(bytes.Add({{"direction", "sent"}})),
        backend_calls_by(backend_calls, {"backend", "operation", "result"}, kMaxSeries),
        backend_duration_by(backend_duration, {"backend", "operation"}, kMaxSeries),
        auth_failures_by(auth_failures, {"reason"}, kMaxSeries),
        connections_by(connections, {"listener"}, kMaxSeries),
        degraded_by(degraded, {"cause"}, kMaxSeries),
        push_wakeups_by(push_wakeups, {"source"}, kMaxSeries),
        push_superseded_total(push_superseded.Add({})),
        access_decisions_by(access_decisions, {"state", "reason"}, kMaxSeries) {}

  prometheus::Family<prometheus::Counter>& requests;             // easgate_requests_total
  prometheus::Family<prometheus::Histogram>& request_duration;   // ..._request_duration_seconds
  prometheus::Family<prometheus::Gauge>& in_flight;              // easgate_requests_in_flight
  prometheus::Family<prometheus::Gauge>& held;                   // easgate_held_requests
  prometheus::Family<prometheus::Counter>& bytes;                // easgate_request_bytes_total
  prometheus::Family<prometheus::Counter>& backend_calls;        // easgate_backend_calls_total
  prometheus::Family<prometheus::Histogram>& backend_duration;   // ..._call_duration_seconds
  prometheus::Family<prometheus::Counter>& auth_failures;        // easgate_auth_failures_total
  prometheus::Family<prometheus::Gauge>& connections;            // easgate_connections_open
  prometheus::Family<prometheus::Counter>& degraded;             // easgate_degraded_total
  prometheus::Family<prometheus::Counter>& push_wakeups;         // easgate_push_wakeups_total
  prometheus::Family<prometheus::Counter>& push_superseded;      // ..._push_superseded_total
  prometheus::Family<prometheus::Counter>& access_decisions;     // ..._access_decisions_total
  prometheus::Family<prometheus::Gauge>& build_info;             // easgate_build_info

  LabelCache<prometheus::Counter> requests_by;             // command, http_status, eas_status
  LabelCache<prometheus::Histogram> request_duration_by;   // command
  prometheus::Gauge& in_flight_total;                      // the one in-flight series
  LabelCache<prometheus::Gauge> held_by;                   // command
  prometheus::Counter& bytes_received;                     // direction="received"
  prometheus::Counter& bytes_sent;                         // direction="sent"
  LabelCache<prometheus::Counter> backend_calls_by;        // backend, operation, result
  LabelCache<prometheus::Histogram> backend_duration_by;   // backend, operation
  LabelCache<prometheus::Counter> auth_failures_by;        // reason
  LabelCache<prometheus::Gauge> connections_by;            // listener
  LabelCache<prometheus::Counter> degraded_by;             // cause
  LabelCache<prometheus::Counter> push_wakeups_by;         // source
  prometheus::Counter& push_superseded_total;              // the one superseded series
  LabelCache<prometheus::Counter> access_decisions_by;     // state, reason
};

Metrics::Metrics(std::string_view version)
    : registry_(std::make_shared<prometheus::Registry>()),
      families_(std::make_unique<Families>(*registry_)) {
  families_->build_info.Add({{"version", std::string(version)}}).Set(1);
}

Metrics::~Metrics() = default;

void Metrics::record_request(std::string_view command, int http_status, int eas_status,
                             Seconds elapsed) {
  const std::string http = std::to_string(http_status);  // short: no heap allocation (SSO)
  const std::string eas = eas_status == 0 ? std::string("none") : std::to_string(eas_status);
  families_->requests_by.get({command, http, eas}).Increment();
  families_->request_duration_by.get({command}, kRequestBuckets).Observe(elapsed.count());
}

void Metrics::request_started() { families_->in_flight_total.Increment(); }
void Metrics::request_finished() { families_->in_flight_total.Decrement(); }

void Metrics::held_request_started(std::string_view command) {
  families_->held_by.get({command}).Increment();
}
void Metrics::held_request_finished(std::string_view command) {
  families_->held_by.get({command}).Decrement();
}

void Metrics::add_request_bytes(ByteDirection direction, uint64_t bytes) {
  prometheus::Counter& c =
      direction == ByteDirection::kReceived ? families_->bytes_received : families_->bytes_sent;
  c.Increment(static_cast<double>(bytes));
}

void Metrics::record_backend_call(std::string_view backend, std::string_view operation,
                                  BackendCallResult result, Seconds elapsed) {
  families_->backend_calls_by.get({backend, operation, backend_call_result_name(result)})
      .Increment();
  families_->backend_duration_by.get({backend, operation}, kBackendBuckets)
      .Observe(elapsed.count());
}

void Metrics::record_auth_failure(std::string_view reason) {
  families_->auth_failures_by.get({reason}).Increment();
}

void Metrics::connection_opened(std::string_view listener) {
  families_->connections_by.get({listener}).Increment();
}
void Metrics::connection_closed(std::string_view listener) {
  families_->connections_by.get({listener}).Decrement();
}

void Metrics::record_access_decision(std::string_view state, std::string_view reason_kind) {
  families_->access_decisions_by.get({state, reason_kind}).Increment();
}

void Metrics::record_degraded(std::string_view cause) {
  families_->degraded_by.get({cause}).Increment();
}

void Metrics::record_push_wakeup(std::string_view source) {
  families_->push_wakeups_by.get({source}).Increment();
}

void Metrics::record_push_superseded() { families_->push_superseded_total.Increment(); }

std::string Metrics::render_text() const {
  try {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_->Collect());
    return out.str();
  } catch (const std::exception& e) {
    // Allocation failure or a serializer bug: a failed scrape is better than a dead worker.
    log_error("metrics").msg("rendering /metrics failed").kv("error", e.what());
    return "# easgate: rendering metrics failed\n";
  }
}

prometheus::Registry& Metrics::registry() { return *registry_; }

}  // namespace easgate
