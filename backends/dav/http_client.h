#pragma once
// Async HTTP client for the DAV backends: libcurl's multi interface driven by the worker's
// libevent loop (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION -> event_new on that
// event_base). One HttpClient per worker; its multi handle keeps a connection cache, so
// consecutive requests to the same server reuse a keep-alive connection.
//
// Thread-safety: none. Create, use and destroy an HttpClient on its event_base's thread.
// Callbacks run on that loop and never inline from start(), so a caller never re-enters.
// Credentials are handed to libcurl only; they are never logged.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "gateway/core/status.h"
#include "gateway/http/http_message.h"

struct event_base;
struct event;

namespace easgate {

// Per-client settings, fixed for the client's life.
struct HttpClientOptions {
  // User-Agent header sent with every request.
  std::string user_agent = "easgate-dav/0.1";
  // Default response body limit when a request does not set one (bytes).
  size_t max_body_bytes = 32 * 1024 * 1024;
  // Limit on the response header block, against a server that streams headers forever.
  size_t max_header_bytes = 256 * 1024;
  // Connection attempts give up after this long (bounded by the request's timeout too).
  std::chrono::milliseconds connect_timeout{10'000};
  // Verify the server's TLS certificate and host name. Off only for a dev stack.
  bool verify_peer = true;
  // CA bundle for a private CA (e.g. the dev stack's self-signed cert); empty: system CAs.
  std::string ca_file;
  // Simultaneous connections to one host; more requests queue in the multi handle.
  long max_host_connections = 8;
};

// One request. `method` is any token: GET, PUT, DELETE, PROPFIND, REPORT, MKCALENDAR, MKCOL.
struct HttpClientRequest {
  // Request method as sent on the wire.
  std::string method = "GET";
  // Absolute http:// or https:// URL; other schemes are refused.
  std::string url;
  // Extra request headers (Depth, Content-Type, If-Match, ...), in order.
  HttpHeaders headers;
  // Request body; sent with Content-Length when non-empty.
  std::string body;
  // Basic credentials; empty user: no Authorization header.
  std::string user;
  // Password for `user`. Never logged.
  std::string password;
  // Whole-transfer deadline; expiry yields Status::timeout.
  std::chrono::milliseconds timeout{30'000};
  // Response body limit in bytes; 0: the client's default. Excess yields Status::too_large.
  size_t max_body_bytes = 0;
  // Follow 3xx redirects on the same method (RFC 6764 /.well-known bootstrap). Credentials
  // are not sent to another host (CURLOPT_UNRESTRICTED_AUTH stays off).
  bool follow_redirects = false;
};

// A complete response. Any status except 401 arrives here; the caller decides what a 404
// or 412 means for its operation.
struct HttpClientResponse {
  // HTTP status code of the final response (after redirects, if followed).
  int status = 0;
  // Headers of the final response, in arrival order.
  HttpHeaders headers;
  // Complete body.
  std::string body;
  // URL the final response came from; differs from the request's after a redirect and is
  // the base for resolving relative hrefs in a multistatus.
  std::string effective_url;
};

class HttpClient {
 public:
  // Errors: kBackendUnavailable (DNS, connect, TLS, connection lost), kTimeout (deadline),
  // kAuthFailed (HTTP 401), kTooLarge (body or header limit), kInvalidArgument (bad URL or
  // scheme), kInternal (libcurl refused the setup).
  using Done = std::function<void(Result<HttpClientResponse>)>;
  // Identifies an in-flight request for cancel(); 0 is never used.
  using RequestId = uint64_t;

  // `base` must outlive the client. Calls curl_global_init once per process.
  HttpClient(event_base* base, HttpClientOptions options = {});
  // Abandons in-flight requests; their callbacks are not called.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts a request. `done` runs exactly once, later, on the loop — unless the request is
  // cancelled or the client destroyed first. Safe to call from inside a `done` callback.
  RequestId start(HttpClientRequest request, Done done);
  // Drops an in-flight request without calling its callback. Unknown ids are ignored.
  void cancel(RequestId id);

  // Requests started and not yet completed or cancelled.
  size_t in_flight() const { return transfers_.size(); }

 private:
  struct Transfer;
  struct SocketWatch;

  static size_t on_body(char* data, size_t size, size_t nmemb, void* userp);
  static size_t on_header(char* data, size_t size, size_t nmemb, void* userp);
  static Status status_from_curl(int curl_code, const Transfer& transfer);
  static int on_socket(void* easy, int fd, int what, void* clientp, void* socketp);
  static int on_timer_change(void* multi, long timeout_ms, void* clientp);
  static void on_timer(int fd, short what, void* arg);
  static void on_socket_event(int fd, short what, void* arg);
  static void on_deferred_failure(int fd, short what, void* arg);

  void drive(int fd, int ev_bitmask);
  void collect_finished();
  void finish(Transfer* transfer, Result<HttpClientResponse> result);
  void fail_later(Transfer* transfer, Status status);

  event_base* base_;
  HttpClientOptions options_;
  void* multi_ = nullptr;        // CURLM*
  event* timer_ = nullptr;       // libcurl's single timeout
  RequestId next_id_ = 1;
  std::unordered_map<RequestId, std::unique_ptr<Transfer>> transfers_;
  std::unordered_map<int, std::unique_ptr<SocketWatch>> sockets_;  // by socket fd
  // Dies with the client; the completion loop holds a weak_ptr to notice that a user
  // callback destroyed the client.
  std::shared_ptr<char> alive_token_ = std::make_shared<char>(0);
};

// "https://host/path" without any userinfo, for log lines.
std::string url_for_log(const std::string& url);

}  // namespace easgate
