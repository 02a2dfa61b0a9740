#include "gateway/server/per_worker_handler.h"

#include "gateway/server/worker_context.h"

namespace easgate {
namespace {

// Which worker this thread is; set when the worker installs its context.
thread_local int t_worker_index = -1;

// Requests that reached this worker thread before its context was built: a listener
// accepts as soon as the pool starts, while the context is built by a closure posted right
// after. They run when the context arrives (or get 503 if it never does).
struct EarlyRequest {
  HttpRequest request;                       // as received
  std::shared_ptr<HttpResponder> responder;  // way back to the client
};
thread_local std::vector<EarlyRequest> t_early_requests;

void answer_unavailable(const std::shared_ptr<HttpResponder>& responder) {
  HttpResponse response;
  response.status = 503;
  response.headers.add("Retry-After", "1");
  responder->respond(std::move(response));
}

}  // namespace

PerWorkerHandler::PerWorkerHandler(int workers) : slots_(static_cast<size_t>(workers)) {}

PerWorkerHandler::~PerWorkerHandler() {
  // Contexts still installed here belong to loops that never ran their exit hook; their
  // libevent objects cannot be freed safely from this thread, so they go with the process.
  for (auto& slot : slots_) (void)slot.release();
}

void PerWorkerHandler::install(int index, std::unique_ptr<WorkerContext> context) {
  t_worker_index = index;
  slots_.at(static_cast<size_t>(index)) = std::move(context);
  std::vector<EarlyRequest> early;
  early.swap(t_early_requests);
  for (auto& e : early) handle(std::move(e.request), std::move(e.responder));
}

void PerWorkerHandler::fail_early_requests() {
  std::vector<EarlyRequest> early;
  early.swap(t_early_requests);
  for (auto& e : early) answer_unavailable(e.responder);
}

void PerWorkerHandler::uninstall(int index) { slots_.at(static_cast<size_t>(index)).reset(); }

void PerWorkerHandler::handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) {
  int index = t_worker_index;
  if (index < 0) {
    t_early_requests.push_back({std::move(request), std::move(responder)});
    return;
  }
  if (!slots_[static_cast<size_t>(index)]) {
    answer_unavailable(responder);  // the worker is stopping: its context is gone
    return;
  }
  slots_[static_cast<size_t>(index)]->eas_endpoint().handle(std::move(request),
                                                            std::move(responder));
}

}  // namespace easgate
