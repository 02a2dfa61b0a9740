#include "backends/dav/dav_collection_store.h"

#include <cctype>
#include <chrono>
#include <set>
#include <unordered_map>
#include <utility>

#include "backends/dav/dav_collection_map.h"
#include "backends/dav/dav_url.h"
#include "gateway/core/log.h"

namespace easgate {

// Discovery steps 1-2 per login. Only URLs are kept, never a password: a cached run still
// authenticates on every home it lists, so a wrong password is a 401 there.
struct DavHomeCache {
  struct Entry {
    std::string principal;                          // absolute URL of the principal
    std::vector<std::string> homes;                 // absolute URLs, deduplicated
    std::chrono::steady_clock::time_point expires;  // reuse until then
  };
  std::unordered_map<std::string, Entry> by_login;  // DAV login -> its homes
};

namespace {

constexpr std::string_view kComponent = "dav";

using CollectionsDone = std::function<void(Result<std::vector<DavCollection>>)>;

// RFC 3986 section 3.3: a path segment may hold unreserved characters and '@' as they are;
// everything else in a login ("DOMAIN\user", spaces) is percent-encoded.
std::string encode_segment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '@') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// One list_collections call: an explicit state machine whose steps are HTTP callbacks. It
// owns itself through the shared_ptr captured by the pending request's callback.
class Discovery : public std::enable_shared_from_this<Discovery> {
 public:
  enum class State : uint8_t {
    kFindPrincipal,  // PROPFIND current-user-principal on base_url
    kFindHomes,      // PROPFIND calendar-home-set / addressbook-home-set on the principal
    kListHomes,      // PROPFIND Depth:1 on each home in turn
    kDone,           // `done_` has been called
  };

  Discovery(HttpClient* http, DavOptions options, Credentials credentials,
            std::weak_ptr<char> store_alive, std::shared_ptr<DavHomeCache> cache,
            CollectionsDone done)
      : http_(http),
        options_(std::move(options)),
        login_(dav_login_name(options_.login_mode, credentials.user)),
        password_(std::move(credentials.password)),
        store_alive_(std::move(store_alive)),
        cache_(std::move(cache)),
        done_(std::move(done)) {}

  void start() {
    if (options_.home_cache_ttl.count() > 0 && cache_) {
      auto it = cache_->by_login.find(login_);
      if (it != cache_->by_login.end() && std::chrono::steady_clock::now() < it->second.expires) {
        // Steps 1-2 from the cache: only the home listings (step 3) go to the server.
        from_cache_ = true;
        principal_ = it->second.principal;
        homes_ = it->second.homes;
        state_ = State::kListHomes;
        return list_next_home();
      }
    }
    start_fresh();
  }

 private:
  using Step = void (Discovery::*)(HttpClientResponse);

  void start_fresh() {
    from_cache_ = false;
    principal_.clear();
    homes_.clear();
    next_home_ = 0;
    collections_.clear();
    state_ = State::kFindPrincipal;
    propfind(options_.base_url, 0, {{std::string(kDavNs), "current-user-principal"}},
             /*follow_redirects=*/true, &Discovery::on_principal);
  }

  void propfind(const std::string& url, int depth, const std::vector<DavName>& props,
                bool follow_redirects, Step next) {
    HttpClientRequest req;
    req.method = "PROPFIND";
    req.url = url;
    req.headers.add("Depth", std::to_string(depth));
    req.headers.add("Content-Type", "application/xml; charset=utf-8");
    req.body = propfind_body(props);
    req.user = login_;
    req.password = password_;
    req.timeout = options_.timeout;
    req.max_body_bytes = options_.max_response_bytes;
    req.follow_redirects = follow_redirects;
    auto self = shared_from_this();
    http_->start(std::move(req), [self, next](Result<HttpClientResponse> r) {
      if (self->store_alive_.expired()) return;  // nobody is waiting any more
      if (!r.is_ok()) {
        self->finish(r.status().prefixed("DAV discovery"));
        return;
      }
      ((*self).*next)(std::move(r).value());
    });
  }

  // Maps a non-207 answer to an error for step `what`.
  Status unexpected(const HttpClientResponse& r, const std::string& what) {
    std::string m = "DAV discovery: " + what + " " + url_for_log(r.effective_url) +
                    " answered HTTP " + std::to_string(r.status);
    if (r.status == 403) return Status::forbidden(std::move(m));
    if (r.status == 404) return Status::not_found(std::move(m));
    return Status::backend_error(std::move(m));
  }

  Result<Multistatus> parse(const HttpClientResponse& r) {
    Result<Multistatus> ms = parse_multistatus(r.body, options_.max_response_bytes);
    if (!ms.is_ok()) return ms.status().prefixed("DAV discovery: " + url_for_log(r.effective_url));
    return ms;
  }

  void on_principal(HttpClientResponse r) {
    std::string principal;
    if (r.status == 207) {
      Result<Multistatus> ms = parse(r);
      if (!ms.is_ok()) return finish(ms.status());
      for (const auto& resp : ms->responses) {
        const DavProperty* p = resp.find(kDavNs, "current-user-principal");
        if (!p || p->hrefs().empty()) continue;
        Result<std::string> url = resolve_dav_url(r.effective_url, p->hrefs().front());
        if (url.is_ok()) principal = std::move(url).value();
        break;
      }
    } else if (r.status >= 500 || r.status < 200) {
      return finish(unexpected(r, "PROPFIND current-user-principal on"));
    }
    if (principal.empty()) {
      // RFC 5397 is optional; Radicale-style servers keep the principal at /<login>/.
      if (first_time_for_cause("dav_principal_fallback")) {
        log_warn(kComponent)
            .msg("no current-user-principal; falling back to /<login>/")
            .kv("url", url_for_log(r.effective_url))
            .kv("http_status", r.status);
      }
      Result<std::string> url = resolve_dav_url(r.effective_url.empty() ? options_.base_url
                                                                         : r.effective_url,
                                                "/" + encode_segment(login_) + "/");
      if (!url.is_ok()) return finish(url.status().prefixed("DAV discovery"));
      principal = std::move(url).value();
    }
    principal_ = principal;
    state_ = State::kFindHomes;
    propfind(principal_, 0,
             {{std::string(kCalDavNs), "calendar-home-set"},
              {std::string(kCardDavNs), "addressbook-home-set"}},
             /*follow_redirects=*/false, &Discovery::on_homes);
  }

  void on_homes(HttpClientResponse r) {
    if (r.status != 207) return finish(unexpected(r, "PROPFIND home sets on principal"));
    Result<Multistatus> ms = parse(r);
    if (!ms.is_ok()) return finish(ms.status());
    std::set<std::string> seen;
    for (const auto& resp : ms->responses) {
      for (const auto* prop : {resp.find(kCalDavNs, "calendar-home-set"),
                               resp.find(kCardDavNs, "addressbook-home-set")}) {
        if (!prop) continue;
        // RFC 4791 section 6.2.1: calendar-home-set may name several homes.
        for (const auto& href : prop->hrefs()) {
          Result<std::string> url = resolve_dav_url(r.effective_url, href);
          if (!url.is_ok()) continue;
          if (seen.insert(dav_path_key(*url)).second) homes_.push_back(std::move(url).value());
        }
      }
    }
    if (homes_.empty()) {
      // A principal without home sets is not RFC 4791/6352 conformant; the principal itself
      // is the best guess (it is the home on Radicale).
      if (first_time_for_cause("dav_no_home_set")) {
        log_warn(kComponent)
            .msg("principal has no calendar-home-set or addressbook-home-set; using it as home")
            .kv("principal", url_for_log(principal_));
      }
      homes_.push_back(principal_);
    }
    if (options_.home_cache_ttl.count() > 0 && cache_) {
      cache_->by_login[login_] = DavHomeCache::Entry{
          principal_, homes_, std::chrono::steady_clock::now() + options_.home_cache_ttl};
    }
    state_ = State::kListHomes;
    list_next_home();
  }

  void list_next_home() {
    if (next_home_ >= homes_.size()) {
      order_and_pick_defaults(&collections_);
      return finish(std::move(collections_));
    }
    propfind(homes_[next_home_], 1, home_listing_properties(), /*follow_redirects=*/false,
             &Discovery::on_home_listing);
  }

  void on_home_listing(HttpClientResponse r) {
    if (from_cache_ && (r.status == 401 || r.status == 404)) {
      // The cached homes moved (404) or the server refuses this login there (401): forget
      // them and discover again from the principal, once.
      log_debug(kComponent).msg("cached DAV homes refused; discovering again")
          .kv("http_status", r.status);
      cache_->by_login.erase(login_);
      return start_fresh();
    }
    const std::string& home = homes_[next_home_++];
    if (r.status == 207) {
      Result<Multistatus> ms = parse(r);
      if (!ms.is_ok()) return finish(ms.status());
      for (auto& c : collections_from_home(*ms, r.effective_url)) {
        collections_.push_back(std::move(c));
      }
    } else if (r.status == 403 || r.status == 404) {
      // One unreadable home (e.g. an address book home the admin disabled) should not hide
      // the user's calendars; skip it and say so.
      if (first_time_for_cause("dav_home_unreadable")) {
        log_warn(kComponent)
            .msg("skipping unreadable DAV home")
            .kv("home", url_for_log(home))
            .kv("http_status", r.status);
      }
    } else {
      return finish(unexpected(r, "PROPFIND Depth:1 on home"));
    }
    list_next_home();
  }

  void finish(Result<std::vector<DavCollection>> result) {
    if (state_ == State::kDone) return;
    state_ = State::kDone;
    // A failed run never leaves its homes behind for the next request.
    if (!result.is_ok() && cache_) cache_->by_login.erase(login_);
    if (!result.is_ok()) {
      log_info(kComponent).msg("discovery failed").kv("error", result.status().to_string());
    } else {
      log_debug(kComponent).msg("discovered").kv("collections", result->size());
    }
    CollectionsDone done = std::move(done_);
    done(std::move(result));
  }

  HttpClient* http_;
  DavOptions options_;
  std::string login_;
  std::string password_;  // never logged
  std::weak_ptr<char> store_alive_;
  std::shared_ptr<DavHomeCache> cache_;  // the store's; may be null
  CollectionsDone done_;
  State state_ = State::kFindPrincipal;
  bool from_cache_ = false;  // steps 1-2 came from cache_ (a 401/404 home rediscovers)
  std::string principal_;                  // absolute URL of the user's principal
  std::vector<std::string> homes_;         // absolute URLs of the homes, deduplicated
  size_t next_home_ = 0;                   // index into homes_ of the next listing
  std::vector<DavCollection> collections_; // gathered from the homes listed so far
};

}  // namespace

std::string dav_login_name(DavLoginMode mode, const std::string& user) {
  if (mode == DavLoginMode::kFullAddress) return user;
  const auto at = user.find('@');
  return at == std::string::npos ? user : user.substr(0, at);
}

DavCollectionStore::DavCollectionStore(HttpClient* http, DavOptions options)
    : http_(http), options_(std::move(options)), home_cache_(std::make_shared<DavHomeCache>()) {}

void DavCollectionStore::list_collections(const Credentials& credentials,
                                          CollectionsDone done) {
  auto discovery = std::make_shared<Discovery>(http_, options_, credentials, alive_token_,
                                               home_cache_, std::move(done));
  // The first step is an HTTP request, whose callback (even for a bad base_url) comes later
  // from the loop, so `done` never runs inside this call.
  discovery->start();
}

}  // namespace easgate
