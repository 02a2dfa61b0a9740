// easgate_bench_httpd: the HTTP/1.1 front end (WorkerPool + Http1Session) with a handler
// that answers every request with a fixed 2-byte body, so bench/http/run can compare the
// transport alone against nginx.
//
//   easgate_bench_httpd [--port N] [--workers N] [--address A]
// Prints "listening <port>" on stdout once ready; SIGINT/SIGTERM stop it gracefully.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "gateway/core/log.h"
#include "gateway/net/worker_pool.h"

namespace easgate {
namespace {

class FixedBodyHandler final : public HttpHandler {
 public:
  void handle(HttpRequest, std::shared_ptr<HttpResponder> responder) override {
    HttpResponse response;
    response.headers.add("Content-Type", "text/plain");
    response.body = "ok";
    responder->respond(std::move(response));
  }
};

int run(int argc, char** argv) {
  WorkerPoolConfig config;
  config.workers = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  ListenerConfig listener;
  listener.name = "bench";
  listener.port = 18181;
  listener.handler = std::make_shared<FixedBodyHandler>();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--port") {
      listener.port = static_cast<uint16_t>(atoi(argv[i + 1]));
    } else if (flag == "--workers") {
      config.workers = atoi(argv[i + 1]);
    } else if (flag == "--address") {
      listener.address = argv[i + 1];
    } else {
      fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  config.listeners.push_back(std::move(listener));
  log_configure(LogLevel::kWarn, "");

  // Block the stop signals before the workers start so they inherit the mask and the main
  // thread alone receives them via sigwait (no handler code runs in signal context).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Result<std::unique_ptr<WorkerPool>> pool = WorkerPool::start(std::move(config));
  if (!pool) {
    fprintf(stderr, "easgate_bench_httpd: %s\n", pool.status().to_string().c_str());
    return 1;
  }
  printf("listening %u\n", (*pool)->bound_port(0));
  fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*pool)->stop();
  return 0;
}

}  // namespace
}  // namespace easgate

int main(int argc, char** argv) { return easgate::run(argc, argv); }
