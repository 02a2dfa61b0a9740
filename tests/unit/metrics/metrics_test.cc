#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "gateway/metrics/metrics.h"

using namespace easgate;
using namespace std::chrono_literals;

namespace {

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("before first use only the unlabelled series exist") {
  // prometheus-cpp omits a family with no series; labelled families appear on first use.
  Metrics m("1.2.3");
  const std::string text = m.render_text();
  CHECK(has(text, "easgate_build_info{version=\"1.2.3\"} 1\n"));
  CHECK(has(text, "easgate_requests_in_flight 0\n"));
  CHECK(has(text, "easgate_request_bytes_total{direction=\"received\"} 0\n"));
  CHECK(has(text, "easgate_request_bytes_total{direction=\"sent\"} 0\n"));
  CHECK(!has(text, "easgate_requests_total"));
}

TEST_CASE("every family is exposed with its type once used") {
  Metrics m("1.2.3");
  m.record_request("Sync", 200, 1, 1ms);
  m.held_request_started("Ping");
  m.record_backend_call("imap", "login", BackendCallResult::kOk, 1ms);
  m.record_auth_failure("bad_credentials");
  m.connection_opened("eas");
  m.record_degraded("x");
  const std::string text = m.render_text();
  for (const std::string line : {
           "# TYPE easgate_requests_total counter",
           "# TYPE easgate_request_duration_seconds histogram",
           "# TYPE easgate_requests_in_flight gauge",
           "# TYPE easgate_held_requests gauge",
           "# TYPE easgate_request_bytes_total counter",
           "# TYPE easgate_backend_calls_total counter",
           "# TYPE easgate_backend_call_duration_seconds histogram",
           "# TYPE easgate_auth_failures_total counter",
           "# TYPE easgate_connections_open gauge",
           "# TYPE easgate_degraded_total counter",
           "# TYPE easgate_build_info gauge",
       }) {
    CHECK_MESSAGE(has(text, line), line);
  }
}

TEST_CASE("requests count per label set and fill the duration histogram") {
  Metrics m("t");
  m.record_request("Sync", 200, 1, 20ms);
  m.record_request("Sync", 200, 1, 30ms);
  m.record_request("Ping", 200, 0, 1500s);
  const std::string text = m.render_text();
  CHECK(has(text, "easgate_requests_total{command=\"Sync\",eas_status=\"1\",http_status=\"200\"} 2\n"));
  CHECK(has(text, "easgate_requests_total{command=\"Ping\",eas_status=\"none\",http_status=\"200\"} 1\n"));
  CHECK(has(text, "easgate_request_duration_seconds_count{command=\"Sync\"} 2\n"));
  CHECK(has(text, "easgate_request_duration_seconds_bucket{command=\"Sync\",le=\"0.025\"} 1\n"));
  CHECK(has(text, "easgate_request_duration_seconds_bucket{command=\"Sync\",le=\"0.05\"} 2\n"));
  // A Ping held 25 minutes lands in a real bucket, not only in +Inf.
  CHECK(has(text, "easgate_request_duration_seconds_bucket{command=\"Ping\",le=\"1200\"} 0\n"));
  CHECK(has(text, "easgate_request_duration_seconds_bucket{command=\"Ping\",le=\"1800\"} 1\n"));
}

TEST_CASE("gauges go up and down") {
  Metrics m("t");
  m.request_started();
  m.request_started();
  m.request_finished();
  m.held_request_started("Ping");
  m.held_request_started("Ping");
  m.held_request_finished("Ping");
  m.connection_opened("eas-https");
  m.connection_opened("eas-https");
  m.connection_opened("admin");
  m.connection_closed("eas-https");
  const std::string text = m.render_text();
  CHECK(has(text, "easgate_requests_in_flight 1\n"));
  CHECK(has(text, "easgate_held_requests{command=\"Ping\"} 1\n"));
  CHECK(has(text, "easgate_connections_open{listener=\"eas-https\"} 1\n"));
  CHECK(has(text, "easgate_connections_open{listener=\"admin\"} 1\n"));
}

TEST_CASE("bytes, backend calls, auth failures, degraded") {
  Metrics m("t");
  m.add_request_bytes(ByteDirection::kReceived, 100);
  m.add_request_bytes(ByteDirection::kSent, 4096);
  m.add_request_bytes(ByteDirection::kSent, 4);
  m.record_backend_call("imap", "select", BackendCallResult::kOk, 2ms);
  m.record_backend_call("imap", "select", BackendCallResult::kTimeout, 60s);
  m.record_auth_failure("bad_credentials");
  m.record_degraded("imap_no_condstore");
  m.record_degraded("imap_no_condstore");
  const std::string text = m.render_text();
  CHECK(has(text, "easgate_request_bytes_total{direction=\"received\"} 100\n"));
  CHECK(has(text, "easgate_request_bytes_total{direction=\"sent\"} 4100\n"));
  CHECK(has(text, "easgate_backend_calls_total{backend=\"imap\",operation=\"select\",result=\"ok\"} 1\n"));
  CHECK(has(text, "easgate_backend_calls_total{backend=\"imap\",operation=\"select\",result=\"timeout\"} 1\n"));
  CHECK(has(text, "easgate_backend_call_duration_seconds_count{backend=\"imap\",operation=\"select\"} 2\n"));
  CHECK(has(text, "easgate_backend_call_duration_seconds_bucket{backend=\"imap\",operation=\"select\",le=\"0.0025\"} 1\n"));
  CHECK(has(text, "easgate_auth_failures_total{reason=\"bad_credentials\"} 1\n"));
  CHECK(has(text, "easgate_degraded_total{cause=\"imap_no_condstore\"} 2\n"));
}

TEST_CASE("label values are escaped, not injected into the exposition") {
  Metrics m("t");
  m.record_degraded("a\"b\nc");
  const std::string text = m.render_text();
  CHECK(has(text, "easgate_degraded_total{cause=\"a\\\"b\\nc\"} 1\n"));
}

TEST_CASE("series per family are capped; the rest folds into overflow") {
  Metrics m("t");
  for (int i = 0; i < 2100; ++i) m.record_auth_failure("reason" + std::to_string(i));
  const std::string text = m.render_text();
  CHECK(has(text, "easgate_auth_failures_total{reason=\"reason1999\"} 1\n"));
  CHECK(!has(text, "reason=\"reason2000\""));
  CHECK(has(text, "easgate_auth_failures_total{reason=\"overflow\"} 100\n"));
}

TEST_CASE("concurrent increments are not lost") {
  Metrics m("t");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 5000; ++i) {
        m.record_request(i % 2 ? "Sync" : "Ping", 200, 1, 1ms);
        m.connection_opened(t % 2 ? "a" : "b");
        m.connection_closed(t % 2 ? "a" : "b");
      }
    });
  }
  for (std::thread& th : threads) th.join();
  const std::string text = m.render_text();
  CHECK(has(text, "easgate_requests_total{command=\"Sync\",eas_status=\"1\",http_status=\"200\"} 10000\n"));
  CHECK(has(text, "easgate_requests_total{command=\"Ping\",eas_status=\"1\",http_status=\"200\"} 10000\n"));
  CHECK(has(text, "easgate_connections_open{listener=\"a\"} 0\n"));
}

TEST_CASE("push wake-ups count by source; superseded held requests count once each") {
  Metrics m("1");
  CHECK(has(m.render_text(), "easgate_push_superseded_total 0\n"));
  m.record_push_wakeup("push_endpoint");
  m.record_push_wakeup("push_endpoint");
  m.record_push_wakeup("poll");
  m.record_push_superseded();
  const std::string text = m.render_text();
  CHECK(has(text, "# TYPE easgate_push_wakeups_total counter\n"));
  CHECK(has(text, "easgate_push_wakeups_total{source=\"push_endpoint\"} 2\n"));
  CHECK(has(text, "easgate_push_wakeups_total{source=\"poll\"} 1\n"));
  CHECK(has(text, "easgate_push_superseded_total 1\n"));
}
