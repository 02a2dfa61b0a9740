#include "backends/dav/http_client.h"

#include <curl/curl.h>
#include <event2/event.h>

#include <algorithm>
#include <mutex>
#include <string_view>
#include <vector>

#include "gateway/core/log.h"

namespace easgate {

namespace {

constexpr std::string_view kComponent = "dav_http";
constexpr long kMaxRedirects = 5;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

void global_init_once() {
  // curl_global_init is not thread-safe on every libcurl build; workers construct their
  // clients concurrently, so serialise the one call here.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

struct HttpClient::SocketWatch {
  event* ev = nullptr;  // read/write interest on one libcurl socket
  ~SocketWatch() {
    if (ev) event_free(ev);
  }
};

struct HttpClient::Transfer {
  HttpClient* client = nullptr;
  RequestId id = 0;
  CURL* easy = nullptr;
  bool in_multi = false;          // added to the multi handle (must be removed first)
  curl_slist* header_list = nullptr;
  HttpClientRequest request;      // owns the body libcurl reads from
  HttpClientResponse response;
  Done done;
  size_t max_body = 0;
  size_t header_bytes = 0;
  bool body_too_large = false;
  bool headers_too_large = false;
  event* deferred = nullptr;      // fires a failure found before libcurl saw the request
  Status deferred_status;
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (deferred) event_free(deferred);
    if (easy) {
      if (in_multi) curl_multi_remove_handle(static_cast<CURLM*>(client->multi_), easy);
      curl_easy_cleanup(easy);
    }
    if (header_list) curl_slist_free_all(header_list);
  }
};

size_t HttpClient::on_body(char* data, size_t size, size_t nmemb, void* userp) {
  auto* t = static_cast<HttpClient::Transfer*>(userp);
  const size_t n = size * nmemb;
  if (t->response.body.size() + n > t->max_body) {
    t->body_too_large = true;
    return 0;  // CURLE_WRITE_ERROR aborts the transfer
  }
  t->response.body.append(data, n);
  return n;
}

size_t HttpClient::on_header(char* data, size_t size, size_t nmemb, void* userp) {
  auto* t = static_cast<HttpClient::Transfer*>(userp);
  const size_t n = size * nmemb;
  t->header_bytes += n;
  if (t->header_bytes > t->client->options_.max_header_bytes) {
    t->headers_too_large = true;
    return 0;
  }
  std::string_view line(data, n);
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
    // A new status line: an interim 100 or a redirect hop came before; keep only the final
    // response's headers.
    t->response.headers = HttpHeaders();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // blank line ending the block
  t->response.headers.add(std::string(trim(line.substr(0, colon))),
                          std::string(trim(line.substr(colon + 1))));
  return n;
}

Status HttpClient::status_from_curl(int curl_code, const Transfer& t) {
  const auto code = static_cast<CURLcode>(curl_code);
  std::string where = t.request.method + " " + url_for_log(t.request.url) + ": ";
  std::string detail = t.error[0] ? std::string(t.error) : curl_easy_strerror(code);
  if (t.body_too_large) {
    return Status::too_large(where + "response body exceeds " + std::to_string(t.max_body) +
                             " bytes");
  }
  if (t.headers_too_large) return Status::too_large(where + "response headers too large");
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status::timeout(where + detail);
    case CURLE_FILESIZE_EXCEEDED:
      return Status::too_large(where + "response body exceeds " + std::to_string(t.max_body) +
                               " bytes");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::invalid_argument(where + detail);
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_WEIRD_SERVER_REPLY:
      return Status::backend_error(where + detail);
    case CURLE_OUT_OF_MEMORY:
      return Status::internal(where + detail);
    default:
      // DNS, connect, TLS, reset, empty reply: the server could not be reached or talked to.
      return Status::backend_unavailable(where + detail);
  }
}

HttpClient::HttpClient(event_base* base, HttpClientOptions options)
    : base_(base), options_(std::move(options)) {
  global_init_once();
  CURLM* multi = curl_multi_init();
  multi_ = multi;
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &HttpClient::on_socket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &HttpClient::on_timer_change);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_host_connections);
  timer_ = evtimer_new(base_, &HttpClient::on_timer, this);
}

HttpClient::~HttpClient() {
  transfers_.clear();
  auto* multi = static_cast<CURLM*>(multi_);
  // libcurl may close cached connections during cleanup; our watches go away below.
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, nullptr);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, nullptr);
  curl_multi_cleanup(multi);
  sockets_.clear();
  if (timer_) event_free(timer_);
}

HttpClient::RequestId HttpClient::start(HttpClientRequest request, Done done) {
  auto transfer = std::make_unique<Transfer>();
  Transfer* t = transfer.get();
  t->client = this;
  t->id = next_id_++;
  t->request = std::move(request);
  t->done = std::move(done);
  t->max_body = t->request.max_body_bytes ? t->request.max_body_bytes : options_.max_body_bytes;
  transfers_.emplace(t->id, std::move(transfer));
  const HttpClientRequest& r = t->request;

  if (r.url.rfind("http://", 0) != 0 && r.url.rfind("https://", 0) != 0) {
    fail_later(t, Status::invalid_argument("DAV URL must be http:// or https://: " +
                                           url_for_log(r.url)));
    return t->id;
  }
  if (r.method.empty() || r.method.find_first_of(" \r\n\t") != std::string::npos) {
    fail_later(t, Status::invalid_argument("bad HTTP method"));
    return t->id;
  }

  CURL* easy = curl_easy_init();
  if (!easy) {
    fail_later(t, Status::internal("curl_easy_init failed"));
    return t->id;
  }
  t->easy = easy;
  curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (r.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (!r.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  // Our own header list; "Expect:" turns off 100-continue (a needless round trip for the
  // small DAV bodies), "Content-Type:" stops libcurl's form default when none was given.
  bool has_content_type = false;
  for (const auto& [name, value] : r.headers.entries()) {
    if (iequals(name, "Content-Type")) has_content_type = true;
    t->header_list = curl_slist_append(t->header_list, (name + ": " + value).c_str());
  }
  t->header_list = curl_slist_append(t->header_list, "Expect:");
  if (!has_content_type) t->header_list = curl_slist_append(t->header_list, "Content-Type:");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->header_list);
  if (!r.user.empty()) {
    curl_easy_setopt(easy, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(easy, CURLOPT_USERNAME, r.user.c_str());
    curl_easy_setopt(easy, CURLOPT_PASSWORD, r.password.c_str());
  }
  const long timeout_ms = static_cast<long>(std::max<int64_t>(1, r.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   std::min<long>(timeout_ms, static_cast<long>(options_.connect_timeout.count())));
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t->max_body));
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate; limit applies decoded
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options_.verify_peer ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options_.verify_peer ? 2L : 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (r.follow_redirects) {
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, kMaxRedirects);
    // Keep method and body across 301/302/303: a PROPFIND must stay a PROPFIND.
    curl_easy_setopt(easy, CURLOPT_POSTREDIR, static_cast<long>(CURL_REDIR_POST_ALL));
  }

  const CURLMcode mc = curl_multi_add_handle(static_cast<CURLM*>(multi_), easy);
  if (mc != CURLM_OK) {
    fail_later(t, Status::internal(std::string("curl_multi_add_handle: ") +
                                   curl_multi_strerror(mc)));
    return t->id;
  }
  t->in_multi = true;
  log_debug(kComponent).msg("request").kv("method", r.method).kv("url", url_for_log(r.url));
  // libcurl announced a 0 ms timeout through on_timer_change; the transfer begins on the
  // loop's next turn, so `done` cannot run inside this call.
  return t->id;
}

void HttpClient::cancel(RequestId id) { transfers_.erase(id); }

void HttpClient::fail_later(Transfer* t, Status status) {
  t->deferred_status = std::move(status);
  t->deferred = event_new(base_, -1, 0, &HttpClient::on_deferred_failure, t);
  event_active(t->deferred, EV_TIMEOUT, 0);
}

void HttpClient::on_deferred_failure(int, short, void* arg) {
  auto* t = static_cast<Transfer*>(arg);
  t->client->finish(t, t->deferred_status);
}

void HttpClient::finish(Transfer* t, Result<HttpClientResponse> result) {
  auto node = transfers_.extract(t->id);
  if (node.empty()) return;
  Done done = std::move(t->done);
  node.mapped().reset();  // removes the easy handle; its connection returns to the cache
  done(std::move(result));
}

int HttpClient::on_socket(void*, int fd, int what, void* clientp, void*) {
  auto* self = static_cast<HttpClient*>(clientp);
  if (what == CURL_POLL_REMOVE) {
    self->sockets_.erase(fd);
    return 0;
  }
  auto& watch = self->sockets_[fd];
  if (!watch) watch = std::make_unique<SocketWatch>();
  short kind = EV_PERSIST;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) kind |= EV_READ;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) kind |= EV_WRITE;
  if (watch->ev) {
    event_del(watch->ev);
    event_assign(watch->ev, self->base_, fd, kind, &HttpClient::on_socket_event, self);
  } else {
    watch->ev = event_new(self->base_, fd, kind, &HttpClient::on_socket_event, self);
  }
  event_add(watch->ev, nullptr);
  return 0;
}

int HttpClient::on_timer_change(void*, long timeout_ms, void* clientp) {
  auto* self = static_cast<HttpClient*>(clientp);
  if (timeout_ms < 0) {
    evtimer_del(self->timer_);
    return 0;
  }
  // libcurl forbids calling socket_action from here, so even a 0 ms timeout waits for the
  // loop; that is also what keeps callbacks from running inline in start().
  timeval tv{timeout_ms / 1000, static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
  evtimer_add(self->timer_, &tv);
  return 0;
}

void HttpClient::on_timer(int, short, void* arg) {
  static_cast<HttpClient*>(arg)->drive(CURL_SOCKET_TIMEOUT, 0);
}

void HttpClient::on_socket_event(int fd, short what, void* arg) {
  int mask = 0;
  if (what & EV_READ) mask |= CURL_CSELECT_IN;
  if (what & EV_WRITE) mask |= CURL_CSELECT_OUT;
  static_cast<HttpClient*>(arg)->drive(fd, mask);
}

void HttpClient::drive(int fd, int ev_bitmask) {
  int running = 0;
  curl_multi_socket_action(static_cast<CURLM*>(multi_), fd, ev_bitmask, &running);
  collect_finished();
}

void HttpClient::collect_finished() {
  std::weak_ptr<char> alive = alive_token_;
  int pending = 0;
  // One message at a time: a callback may start, cancel or destroy, so nothing is cached
  // across the call.
  while (CURLMsg* msg = curl_multi_info_read(static_cast<CURLM*>(multi_), &pending)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    if (!t) continue;
    const CURLcode code = msg->data.result;
    if (code != CURLE_OK) {
      Status s = status_from_curl(code, *t);
      log_debug(kComponent).msg("transfer failed").kv("error", s.to_string());
      finish(t, std::move(s));
    } else {
      long http_status = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &http_status);
      char* effective = nullptr;
      curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &effective);
      t->response.status = static_cast<int>(http_status);
      t->response.effective_url = effective ? effective : t->request.url;
      if (http_status == 401) {
        finish(t, Status::auth_failed(t->request.method + " " + url_for_log(t->request.url) +
                                      ": server rejected the credentials (HTTP 401)"));
      } else {
        finish(t, std::move(t->response));
      }
    }
    if (alive.expired()) return;  // a callback destroyed the client
  }
}

std::string url_for_log(const std::string& url) {
  CURLU* u = curl_url();
  if (!u) return "<url>";
  std::string out = "<unparseable url>";
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    curl_url_set(u, CURLUPART_USER, nullptr, 0);
    curl_url_set(u, CURLUPART_PASSWORD, nullptr, 0);
    char* s = nullptr;
    if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK && s) {
      out = s;
      curl_free(s);
    }
  }
  curl_url_cleanup(u);
  return out;
}

}  // namespace easgate
