#pragma once
// CollectionStore over CalDAV/CardDAV (RFC 4791, RFC 6352), discovering the user's
// collections as RFC 6764 section 6 describes:
//   1. PROPFIND Depth:0 DAV:current-user-principal (RFC 5397) on base_url, following
//      redirects (base_url may be https://host/.well-known/caldav); without one, the
//      principal is /<login>/ on base_url's host (Radicale's and Baikal-like layouts).
//   2. PROPFIND Depth:0 calendar-home-set + addressbook-home-set on the principal.
//   3. PROPFIND Depth:1 on each home: resourcetype, displayname,
//      supported-calendar-component-set, sync-token, getctag.
// Nothing is cached across calls yet: every list_collections is three or more round trips.
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
};

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

  const DavOptions& options() const { return options_; }

 private:
  HttpClient* http_;
  DavOptions options_;
  // Discoveries hold a weak_ptr and stop when the store is gone.
  std::shared_ptr<char> alive_token_ = std::make_shared<char>(0);
};

}  // namespace easgate
