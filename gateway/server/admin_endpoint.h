#pragma once
// The admin listener: /metrics for Prometheus and /healthz for load balancers. The JSON
// admin API (devices, rules, policies, wipes) joins it with the governance work.

#include "gateway/http/http_message.h"

namespace easgate {

class Metrics;

class AdminEndpoint final : public HttpHandler {
 public:
  explicit AdminEndpoint(Metrics& metrics) : metrics_(metrics) {}
  void handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) override;

 private:
  Metrics& metrics_;
};

}  // namespace easgate
