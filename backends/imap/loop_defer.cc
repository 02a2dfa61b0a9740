#include "backends/imap/loop_defer.h"

#include <event2/event.h>

#include <memory>

#include "gateway/core/log.h"

namespace easgate {
namespace {

void run_deferred(evutil_socket_t, short, void* arg) {
  std::unique_ptr<std::function<void()>> fn(static_cast<std::function<void()>*>(arg));
  (*fn)();
}

}  // namespace

void defer_on_loop(event_base* base, std::function<void()> fn) {
  auto* heap = new std::function<void()>(std::move(fn));
  timeval zero{0, 0};
  if (event_base_once(base, -1, EV_TIMEOUT, run_deferred, heap, &zero) != 0) {
    // Only fails on allocation failure; dropping the callback would hang a request.
    log_error("imap").msg("event_base_once failed; running callback late-inline");
    std::unique_ptr<std::function<void()>> owned(heap);
    (*owned)();
  }
}

}  // namespace easgate
