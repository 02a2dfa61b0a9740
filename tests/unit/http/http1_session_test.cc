// End-to-end tests of Http1Session + WorkerPool over real loopback sockets, with a tiny
// handler. Timeouts under test are set to a few hundred milliseconds; the tests wait for
// events (condition variables, socket reads with a 5 s cap), they never sleep.

#include <doctest/doctest.h>
#include <event2/event.h>
#include <stdlib.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "gateway/http/http1_session.h"
#include "gateway/net/worker_pool.h"
#include "tests/unit/http/test_client.h"

namespace easgate {
namespace {

using test::ClientResponse;
using test::TestClient;
using namespace std::chrono_literals;

const std::string kGet = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";

class TestHandler final : public HttpHandler {
 public:
  void handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) override {
    if (request.path == "/hold") {
      responder->set_on_abort([this] {
        std::lock_guard<std::mutex> lock(mu_);
        ++aborts_;
        cv_.notify_all();
      });
      if (request.query.rfind("ms=", 0) == 0) {
        // Answer later from a timer on this worker's loop, like a Ping that wakes up.
        auto* keep = new std::shared_ptr<HttpResponder>(responder);
        timeval tv{0, atoi(request.query.c_str() + 3) * 1000};
        event_base_once(
            base.load(), -1, EV_TIMEOUT,
            [](evutil_socket_t, short, void* p) {
              auto* r = static_cast<std::shared_ptr<HttpResponder>*>(p);
              (*r)->respond(HttpResponse{200, {}, "late"});
              delete r;
            },
            keep, &tv);
      }
      std::lock_guard<std::mutex> lock(mu_);
      held_ = responder;
      ++held_count_;
      cv_.notify_all();
      return;
    }
    HttpResponse r;
    r.headers.add("X-Tls", request.tls ? "1" : "0");
    r.headers.add("X-Peer", request.peer_address);
    r.headers.add("X-Evil", "a\r\nInjected: yes");  // must be dropped by the session
    r.body = request.method + " " + request.target + " " + std::to_string(request.body.size());
    responder->respond(std::move(r));
  }

  bool wait_held(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return held_count_ >= n; });
  }
  bool wait_aborts(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return aborts_ >= n; });
  }
  int aborts() {
    std::lock_guard<std::mutex> lock(mu_);
    return aborts_;
  }
  std::shared_ptr<HttpResponder> held() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_;
  }

  std::atomic<event_base*> base{nullptr};  // worker 0's loop, for the delayed answer

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<HttpResponder> held_;
  int held_count_ = 0;
  int aborts_ = 0;
};

struct TestServer {
  explicit TestServer(Http1Limits limits = {}, std::optional<TlsConfig> tls = std::nullopt,
                      int workers = 1, std::chrono::milliseconds drain = 2s) {
    WorkerPoolConfig config;
    config.workers = workers;
    config.drain_timeout = drain;
    ListenerConfig listener;
    listener.name = "test";
    listener.handler = handler;
    listener.limits = limits;
    listener.tls = std::move(tls);
    config.listeners.push_back(std::move(listener));
    Result<std::unique_ptr<WorkerPool>> started = WorkerPool::start(std::move(config));
    REQUIRE_MESSAGE(started.is_ok(), started.status().to_string());
    pool = std::move(started.value());
    handler->base = pool->worker(0).base();
    port = pool->bound_port(0);
  }

  std::shared_ptr<TestHandler> handler = std::make_shared<TestHandler>();
  std::unique_ptr<WorkerPool> pool;
  uint16_t port = 0;
};

TEST_CASE("session: keep-alive serves several requests on one connection") {
  TestServer server;
  TestClient client(server.port);
  REQUIRE(client.connected());
  for (int i = 0; i < 3; ++i) {
    client.send(kGet);
    ClientResponse r = client.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "GET /x 0");
    CHECK(r.head.find("Date: ") != std::string::npos);
    CHECK(r.head.find("Server: easgate") != std::string::npos);
    CHECK(r.head.find("Connection: close") == std::string::npos);
    CHECK(r.head.find("Injected") == std::string::npos);
    CHECK(r.head.find("X-Peer: 127.0.0.1:") != std::string::npos);
  }
}

TEST_CASE("session: pipelined requests are answered in order") {
  TestServer server;
  TestClient client(server.port);
  client.send("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc" + kGet +
              "GET /c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  CHECK(client.read_response().body == "POST /a 3");
  CHECK(client.read_response().body == "GET /x 0");
  ClientResponse last = client.read_response();
  CHECK(last.body == "GET /c 0");
  CHECK(last.head.find("Connection: close") != std::string::npos);
  CHECK(client.wait_eof());
}

TEST_CASE("session: HTTP/1.0 closes unless keep-alive is asked for") {
  TestServer server;
  TestClient keep(server.port);
  keep.send("GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ClientResponse r = keep.read_response();
  CHECK(r.status == 200);
  CHECK(r.head.find("Connection: keep-alive") != std::string::npos);
  keep.send("GET /k HTTP/1.0\r\n\r\n");
  r = keep.read_response();
  CHECK(r.head.find("Connection: close") != std::string::npos);
  CHECK(keep.wait_eof());
}

TEST_CASE("session: chunked body and 100-continue") {
  TestServer server;
  TestClient client(server.port);
  client.send("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  CHECK(client.read_response().body == "POST /c 3");
  client.send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  CHECK(client.read_exact(25) == "HTTP/1.1 100 Continue\r\n\r\n");
  client.send("wxyz");
  CHECK(client.read_response().body == "POST /e 4");
}

TEST_CASE("session: a held request is answered later from a timer") {
  TestServer server;
  TestClient client(server.port);
  client.send("GET /hold?ms=50 HTTP/1.1\r\nHost: t\r\n\r\n" + kGet);  // second one pipelined
  ClientResponse r = client.read_response();
  CHECK(r.status == 200);
  CHECK(r.body == "late");
  CHECK(client.read_response().body == "GET /x 0");
  CHECK(server.handler->aborts() == 0);
}

TEST_CASE("session: client disconnect while held fires on_abort; respond() is then a no-op") {
  TestServer server;
  TestClient client(server.port);
  client.send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(server.handler->wait_held(1));
  std::shared_ptr<HttpResponder> held = server.handler->held();
  CHECK(held->alive());
  client.close();
  REQUIRE(server.handler->wait_aborts(1));
  // The responder outlives the connection; using it must be harmless (on its own thread).
  std::promise<bool> alive;
  server.pool->worker(0).post([&] {
    held->respond(HttpResponse{200, {}, "too late"});
    alive.set_value(held->alive());
  });
  CHECK_FALSE(alive.get_future().get());
  CHECK(server.handler->aborts() == 1);
}

TEST_CASE("session: a slow client gets 408") {
  Http1Limits limits;
  limits.header_timeout = 200ms;
  limits.body_timeout = 200ms;
  TestServer server(limits);
  TestClient headers(server.port);
  headers.send("GET / HTTP/1.1\r\nHost: t\r\n");
  ClientResponse r = headers.read_response();
  CHECK(r.status == 408);
  CHECK(r.head.find("Connection: close") != std::string::npos);
  CHECK(headers.wait_eof());

  TestClient body(server.port);
  body.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
  CHECK(body.read_response().status == 408);

  // A connection that never sends a byte is closed quietly.
  TestClient silent(server.port);
  CHECK(silent.wait_eof());
}

TEST_CASE("session: oversized header gets 431, oversized body 413") {
  Http1Limits limits;
  limits.max_header_bytes = 1024;
  limits.max_body_bytes = 1000;
  TestServer server(limits);
  TestClient big_header(server.port);
  big_header.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  CHECK(big_header.read_response().status == 431);
  CHECK(big_header.wait_eof());

  TestClient big_body(server.port);
  big_body.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + std::string(5000, 'b'));
  CHECK(big_body.read_response().status == 413);
  CHECK(big_body.wait_eof());

  TestClient chunked(server.port);
  chunked.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n");
  CHECK(chunked.read_response().status == 413);

  TestClient malformed(server.port);
  malformed.send("GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n");
  CHECK(malformed.read_response().status == 400);
}

TEST_CASE("session: TLS handshake and request") {
  char tmpl[] = "/tmp/easgate-http-test-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl;
  REQUIRE(test::write_self_signed_cert(dir));
  {
    TestServer server({}, TlsConfig{dir + "/cert.pem", dir + "/key.pem"});
    TestClient client(server.port, /*tls=*/true);
    REQUIRE(client.connected());
    CHECK(client.alpn() == "http/1.1");
    client.send(kGet);
    ClientResponse r = client.read_response();
    CHECK(r.status == 200);
    CHECK(r.head.find("X-Tls: 1") != std::string::npos);
    client.send(kGet);
    CHECK(client.read_response().status == 200);
    CHECK(server.pool->reload_tls().is_ok());
    TestClient after_reload(server.port, true);
    after_reload.send(kGet);
    CHECK(after_reload.read_response().status == 200);
  }
  std::filesystem::remove_all(dir);

  TlsConfig missing{"/nonexistent/cert.pem", "/nonexistent/key.pem"};
  WorkerPoolConfig config;
  ListenerConfig listener;
  listener.name = "tls";
  listener.tls = missing;
  listener.handler = std::make_shared<TestHandler>();
  config.listeners.push_back(std::move(listener));
  Result<std::unique_ptr<WorkerPool>> bad = WorkerPool::start(std::move(config));
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().message().find("/nonexistent/cert.pem") != std::string::npos);
}

TEST_CASE("pool: several workers share a port; post runs on the worker, never inline") {
  TestServer server({}, std::nullopt, /*workers=*/2);
  for (int i = 0; i < 8; ++i) {
    TestClient client(server.port);
    client.send(kGet);
    CHECK(client.read_response().status == 200);
  }
  std::promise<std::pair<std::thread::id, bool>> result;
  Worker& worker = server.pool->worker(1);
  bool nested_ran = false;  // touched only on the worker thread
  bool ran_inline = false;
  worker.post([&] {
    worker.post([&] {
      nested_ran = true;
      result.set_value({std::this_thread::get_id(), !ran_inline});
    });
    ran_inline = nested_ran;  // still false: the nested closure must not have run yet
  });
  auto [id, deferred] = result.get_future().get();
  CHECK(id != std::this_thread::get_id());
  CHECK(deferred);
}

TEST_CASE("pool: graceful stop closes idle connections and aborts held ones at the deadline") {
  TestServer server({}, std::nullopt, 1, /*drain=*/200ms);
  TestClient idle(server.port);
  idle.send(kGet);
  REQUIRE(idle.read_response().status == 200);
  TestClient held(server.port);
  held.send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(server.handler->wait_held(1));
  server.pool->stop();
  CHECK(server.handler->aborts() == 1);
  CHECK(idle.wait_eof());
  CHECK(held.wait_eof());
  CHECK_FALSE(server.pool->worker(0).post([] {}));
}

TEST_CASE("session object stays small") {
  // Held connections are the scaling limit (tens of thousands of Pings): keep the
  // per-connection object tiny. libevent's bufferevent adds a few hundred bytes on top.
  MESSAGE("sizeof(Http1Session) = " << sizeof(Http1Session));
  CHECK(sizeof(Http1Session) <= 128);
}

}  // namespace
}  // namespace easgate
