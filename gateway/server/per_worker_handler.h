#pragma once
// A listener's handler is shared by every worker, but an EAS endpoint belongs to one worker
// (its loop, its IMAP pool, its store connection). This router finds the endpoint of the
// worker whose thread is running the request.

#include <memory>
#include <vector>

#include "gateway/http/http_message.h"

namespace easgate {

class WorkerContext;

class PerWorkerHandler final : public HttpHandler {
 public:
  explicit PerWorkerHandler(int workers);
  ~PerWorkerHandler() override;

  // On worker `index`'s own thread: from now on its requests go to `context`.
  void install(int index, std::unique_ptr<WorkerContext> context);
  // On a worker's thread whose context could not be built: answers the requests that were
  // waiting for it with 503.
  void fail_early_requests();
  // On worker `index`'s own thread, after its loop ended: destroys its context there.
  void uninstall(int index);

  void handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) override;

 private:
  // One slot per worker; slot i is written and read only by worker i's thread.
  std::vector<std::unique_ptr<WorkerContext>> slots_;
};

}  // namespace easgate
