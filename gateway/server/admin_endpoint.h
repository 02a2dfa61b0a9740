#pragma once
// The admin listener: /metrics for Prometheus, /healthz for load balancers and the JSON
// admin API under /api/ (gateway/admin/admin_api.h), which needs
// "Authorization: Bearer <admin.token>".
//
// One instance serves every worker thread. The API's store access is one StateStore
// connection per worker thread, opened lazily on first use: SQLite calls then run on the
// loop, which is acceptable because admin traffic is a few requests per minute.

#include <memory>
#include <string>

#include "gateway/http/http_message.h"

namespace easgate {

class AdminMetrics;
class Metrics;
struct GatewayConfig;

class AdminEndpoint final : public HttpHandler {
 public:
  // Without a config: /metrics and /healthz only; /api/ answers 404.
  explicit AdminEndpoint(Metrics& metrics);
  // With the admin API on config.store.path, guarded by config.admin.token. `config` must
  // outlive the endpoint.
  AdminEndpoint(Metrics& metrics, const GatewayConfig& config);
  ~AdminEndpoint() override;
  void handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) override;

 private:
  HttpResponse handle_api(const HttpRequest& request);

  Metrics& metrics_;
  const GatewayConfig* config_ = nullptr;
  std::unique_ptr<AdminMetrics> admin_metrics_;
};

}  // namespace easgate
