#include "gateway/server/admin_endpoint.h"

#include <map>

#include "gateway/admin/admin_api.h"
#include "gateway/admin/admin_auth.h"
#include "gateway/admin/admin_metrics.h"
#include "gateway/admin/json.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/store/sqlite/sqlite_state_store.h"

namespace easgate {
namespace {

HttpResponse json_error(int status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.headers.add("Content-Type", "application/json");
  response.body = JsonValue::object().set("error", message).dump() + "\n";
  return response;
}

// This worker thread's store connection for `path` (StateStore objects are single-threaded;
// see state_store.h). Lives until the thread exits.
Result<StateStore*> thread_store(const std::string& path) {
  thread_local std::map<std::string, std::unique_ptr<StateStore>> stores;
  auto it = stores.find(path);
  if (it != stores.end()) return it->second.get();
  auto opened = open_sqlite_state_store(path);
  if (!opened.is_ok()) return opened.status();
  StateStore* store = opened.value().get();
  stores.emplace(path, std::move(opened.value()));
  return store;
}

}  // namespace

AdminEndpoint::AdminEndpoint(Metrics& metrics) : metrics_(metrics) {}

AdminEndpoint::AdminEndpoint(Metrics& metrics, const GatewayConfig& config)
    : metrics_(metrics), config_(&config), admin_metrics_(std::make_unique<AdminMetrics>(metrics)) {}

AdminEndpoint::~AdminEndpoint() = default;

void AdminEndpoint::handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) {
  if (request.path == "/api" || request.path.rfind("/api/", 0) == 0) {
    responder->respond(handle_api(request));
    return;
  }
  HttpResponse response;
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.headers.add("Allow", "GET, HEAD");
  } else if (request.path == "/metrics") {
    response.headers.add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response.body = metrics_.render_text();
  } else if (request.path == "/healthz") {
    response.headers.add("Content-Type", "text/plain; charset=utf-8");
    response.body = "ok\n";
  } else {
    response.status = 404;
  }
  if (request.method == "HEAD") response.body.clear();
  responder->respond(std::move(response));
}

HttpResponse AdminEndpoint::handle_api(const HttpRequest& request) {
  if (config_ == nullptr) return json_error(404, "the admin API is not enabled");
  if (config_->admin.token.empty()) {
    return json_error(403, "the admin API is disabled: set admin.token or admin.token_file");
  }
  const std::string* authorization = request.headers.find("Authorization");
  if (authorization == nullptr || !bearer_token_matches(*authorization, config_->admin.token)) {
    admin_metrics_->record("api.authenticate", "unauthorized");
    log_warn("admin").msg("admin API request without a valid token")
        .kv("peer", request.peer_address).kv("path", request.path)
        .kv("reason", authorization ? "wrong token" : "no Authorization header");
    HttpResponse response =
        json_error(401, authorization ? "invalid bearer token" : "missing bearer token");
    // RFC 6750 section 3.
    response.headers.add("WWW-Authenticate", "Bearer realm=\"easgate-admin\"");
    return response;
  }
  if (request.method != "GET" && request.method != "POST" && request.method != "DELETE") {
    HttpResponse response = json_error(405, request.method + " is not allowed on the admin API");
    response.headers.add("Allow", "GET, POST, DELETE");
    return response;
  }
  Result<StateStore*> store = thread_store(config_->store.path);
  if (!store.is_ok()) {
    log_error("admin").msg("cannot open the state store").kv("error", store.status().to_string());
    return json_error(503, "state store unavailable: " + store.status().message());
  }
  const std::string* declared = request.headers.find("X-Easgate-Actor");
  AdminRequest api_request{request.method, request.path, request.query, request.body,
                           admin_actor(declared ? *declared : std::string())};
  AdminApi api(**store, SystemClock::instance(), admin_metrics_.get(), &config_->governance);
  AdminResponse answer = api.handle(api_request);
  HttpResponse response;
  response.status = answer.status;
  response.headers.add("Content-Type", answer.content_type);
  response.headers.add("Cache-Control", "no-store");
  response.body = std::move(answer.body);
  return response;
}

}  // namespace easgate
