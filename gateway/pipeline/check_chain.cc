#include "gateway/pipeline/check_chain.h"

#include "gateway/pipeline/request_context.h"

namespace easgate {

void CheckChain::run(std::shared_ptr<RequestContext> request, std::function<void()> on_pass) {
  run_from(0, std::move(request), std::move(on_pass));
}

void CheckChain::run_from(size_t index, std::shared_ptr<RequestContext> request,
                          std::function<void()> on_pass) {
  if (index == checks_.size()) {
    on_pass();
    return;
  }
  Check& check = *checks_[index];
  check.run(request, [this, index, request, on_pass](CheckVerdict verdict) mutable {
    if (!request->client_alive()) return;  // the client left while the check ran
    if (!verdict.proceed) {
      request->reply_error(verdict.rejection);
      return;
    }
    run_from(index + 1, std::move(request), std::move(on_pass));
  });
}

}  // namespace easgate
