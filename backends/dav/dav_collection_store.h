#pragma once
// CollectionStore over CalDAV/CardDAV (RFC 4791, RFC 6352), discovering the user's
// collections as RFC 6764 section 6 describes:
//   1. PROPFIND Depth:0 DAV:current-user-principal (RFC 5397) on base_url, following
//      redirects (base_url may be https://host/.well-known/caldav); without one, the
//      principal is /<login>/ on base_url's host (Radicale's and Baikal-like layouts).
//   2. PROPFIND Depth:0 calendar-home-set + addressbook-home-set on the principal.
//   3. PROPFIND Depth:1 on each home: resourcetype, displayname,
//      supported-calendar-component-set, sync-token, getctag.
// Steps 1-2 (the principal and its homes) change rarely: each store (one per worker)
// keeps them per login for DavOptions::home_cache_ttl and drops them when a home answers
// 401/404 or the listing fails. Step 3 always runs: it is what finds new collections.
//
// One instance per worker, on the HttpClient's loop thread. `done` runs on that loop,
// never inline. After the store is destroyed, in-flight discoveries end silently.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/api/collection_store.h"
#include "backends/dav/dav_xml.h"
#include "backends/dav/http_client.h"

namespace easgate {

// The user name the DAV server expects, derived from Credentials::user (a full address).
enum class DavLoginMode : uint8_t {
  kFullAddress,  // "alice@example.test" (Nextcloud/SOGo/Cyrus with mail logins)
  kLocalPart,    // "alice" (Radicale with htpasswd users, Baikal)
};

struct DavOptions {
  // Where discovery starts, e.g. "http://127.0.0.1:15232/" or
  // "https://cloud.example.test/remote.php/dav/" or ".../.well-known/caldav".
  std::string base_url;
  // How Credentials::user becomes the DAV login (and the /<login>/ fallback principal).
  DavLoginMode login_mode = DavLoginMode::kFullAddress;
  // Deadline of each HTTP request (not of the whole discovery).
  std::chrono::milliseconds timeout{30'000};
  // Largest multistatus body accepted from the server.
  size_t max_response_bytes = kMaxMultistatusBytes;
  // How long a login's principal and home URLs are reused (0: discover them every time).
  std::chrono::seconds home_cache_ttl{300};
};

// Discovery steps 1-2 remembered per login (dav_collection_store.cc).
struct DavHomeCache;

// "alice@example.test" -> "alice" for kLocalPart; unchanged for kFullAddress or no '@'.
std::string dav_login_name(DavLoginMode mode, const std::string& user);

class DavCollectionStore final : public CollectionStore {
 public:
  // `http` must outlive the store and run on the same loop thread.
  DavCollectionStore(HttpClient* http, DavOptions options);

  // Errors: kAuthFailed (401), kTimeout, kBackendUnavailable (unreachable), kNotFound
  // (principal missing), kForbidden (403), kMalformed (bad multistatus), kBackendError
  // (any other unexpected HTTP status), kInvalidArgument (bad base_url).
  void list_collections(const Credentials& credentials,
                        std::function<void(Result<std::vector<DavCollection>>)> done) override;

  // Item and collection operations: backends/dav/dav_item_ops.cc.
  void sync_changes(const Credentials& credentials, const std::string& collection_href,
                    const std::string& sync_token, const std::vector<DavItemRef>& snapshot,
                    DavCallback<DavChanges> done) override;
  void fetch_items(const Credentials& credentials, const std::string& collection_href,
                   CollectionKind kind, const std::vector<std::string>& hrefs,
                   DavCallback<std::vector<DavItem>> done) override;
  void put_item(const Credentials& credentials, const std::string& collection_href, DavPut put,
                DavCallback<DavItemRef> done) override;
  void delete_item(const Credentials& credentials, const std::string& href,
                   const std::string& if_match, std::function<void(Status)> done) override;
  void create_collection(const Credentials& credentials, CollectionKind kind,
                         const std::string& display_name,
                         DavCallback<DavCollection> done) override;
  void delete_collection(const Credentials& credentials, const std::string& href,
                         std::function<void(Status)> done) override;
  void update_collection(const Credentials& credentials, const std::string& href,
                         const std::string& display_name,
                         std::function<void(Status)> done) override;
  void freebusy(const Credentials& credentials, const std::string& user,
                std::chrono::sys_seconds start, std::chrono::sys_seconds end,
                DavCallback<std::vector<BusyInterval>> done) override;
  // One calendar-query / addressbook-query REPORT; kUnsupported when the server answers
  // that it has no such REPORT (405, 501, 403 DAV:supported-report) or refuses the filter
  // (CALDAV:/CARDDAV:supported-filter, 400/403/501 naming it).
  void query_items(const Credentials& credentials, const std::string& collection_href,
                   CollectionKind kind, const DavTextQuery& query,
                   DavCallback<std::vector<DavItem>> done) override;

  const DavOptions& options() const { return options_; }

 private:
  using ResponseDone = std::function<void(Result<HttpClientResponse>)>;
  struct FetchByGet;
  struct FreeBusyWalk;

  // One request with the user's credentials; `done` is dropped if the store dies first.
  void send(const Credentials& credentials, std::string method, const std::string& url,
            HttpHeaders headers, std::string body, ResponseDone done);
  // Calls `done(status)` later on the loop (through the client, which never calls inline).
  void fail_later(Status status, std::function<void(Status)> done);
  // `href` (path or URL) as an absolute URL on the server.
  Result<std::string> url_of(const std::string& href) const;
  void sync_by_listing(const Credentials& credentials, const std::string& url,
                       std::vector<DavItemRef> snapshot, DavCallback<DavChanges> done);
  void fetch_by_get(const Credentials& credentials, std::vector<std::string> urls,
                    DavCallback<std::vector<DavItem>> done);
  void freebusy_on(const Credentials& credentials, std::vector<DavCollection> calendars,
                   std::chrono::sys_seconds start, std::chrono::sys_seconds end,
                   DavCallback<std::vector<BusyInterval>> done);

  HttpClient* http_;
  DavOptions options_;
  // Discoveries hold a weak_ptr and stop when the store is gone.
  std::shared_ptr<char> alive_token_ = std::make_shared<char>(0);
  // Principal and homes per login; shared with in-flight discoveries (same loop thread).
  std::shared_ptr<DavHomeCache> home_cache_;
};

}  // namespace easgate
