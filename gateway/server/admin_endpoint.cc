#include "gateway/server/admin_endpoint.h"

#include "gateway/metrics/metrics.h"

namespace easgate {

void AdminEndpoint::handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) {
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

}  // namespace easgate
