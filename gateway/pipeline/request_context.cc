#include "gateway/pipeline/request_context.h"

#include "gateway/core/log.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/governance_reply.h"

namespace easgate {
namespace {

// Exchange 2013 answers with 15.0; devices use it to pick features, not to refuse.
constexpr const char* kServerVersion = "15.0";

}  // namespace

RequestContext::RequestContext(WorkerServices& services_in, HttpRequest http_in,
                               std::shared_ptr<HttpResponder> responder)
    : services(services_in),
      http(std::move(http_in)),
      responder_(std::move(responder)),
      started_(std::chrono::steady_clock::now()),
      bytes_in_(http.body.size()) {
  if (services.metrics) services.metrics->request_started();
}

RequestContext::~RequestContext() {
  if (replied_) return;
  // The client went away before an answer existed (or a bug dropped the request): the
  // in-flight gauge must not leak either way.
  if (services.metrics) services.metrics->request_finished();
  log_info("request").msg("ended without a response").kv("cmd", command_label())
      .kv("peer", http.peer_address);
}

std::string RequestContext::command_label() const {
  if (eas) return std::string(eas->command->name);
  if (http.method == "OPTIONS") return "OPTIONS";
  return "unknown";
}

void RequestContext::reply_wbxml(const WbxmlDocument& document, int eas_status) {
  HttpResponse response;
  response.status = 200;
  response.headers.add("Content-Type", "application/vnd.ms-sync.wbxml");
  response.body = encode_wbxml(document);
  reply(std::move(response), eas_status);
}

void RequestContext::reply_error(const Status& status) {
  if (status.http_status() == 200 && status.eas_status() != 0 && eas) {
    // A governance refusal for 14.0+: a common status code in the command's own element.
    reply_wbxml(command_status_document(eas->command->command, status.eas_status()),
                status.eas_status());
    return;
  }
  HttpResponse response;
  response.status = status.http_status();
  if (response.status == 401) {
    response.headers.add("WWW-Authenticate", "Basic realm=\"ActiveSync\"");
  } else if (response.status == 503) {
    response.headers.add("Retry-After", "30");
  }
  if (status.http_status() >= 400 && status.http_status() < 500 && response.status != 401) {
    // A short reason helps an admin reading a device's debug log; it never names which
    // credential part was wrong (401 bodies stay empty).
    response.headers.add("Content-Type", "text/plain; charset=utf-8");
    response.body = status.message() + "\n";
  }
  if (replied_) return;
  replied_ = true;
  size_t bytes_out = response.body.size();
  int http_status = response.status;
  response.headers.add("MS-Server-ActiveSync", kServerVersion);
  responder_->respond(std::move(response));
  log_and_count(http_status, status.eas_status(), bytes_out, &status);
}

void RequestContext::reply(HttpResponse response, int eas_status) {
  if (replied_) return;
  replied_ = true;
  size_t bytes_out = response.body.size();
  int http_status = response.status;
  response.headers.add("MS-Server-ActiveSync", kServerVersion);
  response.headers.add("Cache-Control", "private");
  responder_->respond(std::move(response));
  log_and_count(http_status, eas_status, bytes_out, nullptr);
}

void RequestContext::log_and_count(int http_status, int eas_status, size_t bytes_out,
                                   const Status* error) {
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::string command = command_label();
  if (services.metrics) {
    services.metrics->record_request(command, http_status, eas_status,
                                     Metrics::Seconds(seconds));
    services.metrics->add_request_bytes(ByteDirection::kReceived, bytes_in_);
    services.metrics->add_request_bytes(ByteDirection::kSent, bytes_out);
    services.metrics->request_finished();
  }
  LogLine line(http_status >= 500 ? LogLevel::kWarn : LogLevel::kInfo, "request");
  line.kv("user", credentials.user.empty() ? std::string("-") : credentials.user);
  if (eas) {
    line.kv("device_id", eas->device_id).kv("device_type", eas->device_type)
        .kv("protocol", eas->version.to_string());
  }
  line.kv("cmd", command).kv("http_status", http_status).kv("eas_status", eas_status)
      .kv("duration_ms", seconds * 1000.0).kv("bytes_in", static_cast<uint64_t>(bytes_in_))
      .kv("bytes_out", static_cast<uint64_t>(bytes_out)).kv("peer", http.peer_address);
  if (error && !error->is_ok()) line.kv("error", error->message());
}

}  // namespace easgate
