#include "gateway/server/per_worker_handler.h"

#include "gateway/server/worker_context.h"

namespace easgate {
namespace {

// Which worker this thread is; set when the worker installs its context.
thread_local int t_worker_index = -1;

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
}

void PerWorkerHandler::uninstall(int index) { slots_.at(static_cast<size_t>(index)).reset(); }

void PerWorkerHandler::handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) {
  int index = t_worker_index;
  if (index < 0 || !slots_[static_cast<size_t>(index)]) {
    // Only in the first instant after start, before the worker built its backends.
    HttpResponse response;
    response.status = 503;
    response.headers.add("Retry-After", "1");
    responder->respond(std::move(response));
    return;
  }
  slots_[static_cast<size_t>(index)]->eas_endpoint().handle(std::move(request),
                                                            std::move(responder));
}

}  // namespace easgate
