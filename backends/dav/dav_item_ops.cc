// DavCollectionStore: item and collection operations (issue 5 groundwork). Each method is
// one or a few HTTP round trips; multi-step walks (GET fallback, free-busy over several
// calendars) are small self-owning structs whose steps are HTTP callbacks.

#include <map>
#include <random>
#include <utility>

#include "backends/dav/dav_collection_map.h"
#include "backends/dav/dav_collection_store.h"
#include "backends/dav/dav_item_xml.h"
#include "backends/dav/dav_url.h"
#include "gateway/core/log.h"

namespace easgate {

namespace {

constexpr std::string_view kComponent = "dav";

// Maps an unexpected HTTP answer to an error for `what`.
Status unexpected(const HttpClientResponse& r, const std::string& what) {
  std::string m = what + " " + url_for_log(r.effective_url) + " answered HTTP " +
                  std::to_string(r.status);
  if (r.status == 403) return Status::forbidden(std::move(m));
  if (r.status == 404 || r.status == 410) return Status::not_found(std::move(m));
  if (r.status == 412) return Status::conflict(std::move(m));
  if (r.status == 413 || r.status == 507) return Status::too_large(std::move(m));
  return Status::backend_error(std::move(m));
}

// The path of `href` resolved against the URL the answer came from.
std::string path_of(const std::string& base, const std::string& href) {
  Result<std::string> url = resolve_dav_url(base, href);
  return url.is_ok() ? dav_url_path(*url) : href;
}

std::string etag_header(const HttpClientResponse& r) {
  const std::string* e = r.headers.find("ETag");
  return e ? *e : std::string();
}

bool is_member(const std::string& collection_key, const std::string& path) {
  // The collection itself and sub-collections are not items.
  return !path.empty() && path.back() != '/' && dav_path_key(path) != collection_key;
}

// "Team Calendar!" -> "team-calendar-<8 hex>": readable and unique in the home.
std::string new_collection_name(const std::string& display_name) {
  std::string slug;
  for (unsigned char c : display_name) {
    if (std::isalnum(c) && c < 0x80) {
      slug.push_back(static_cast<char>(std::tolower(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
    if (slug.size() >= 40) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(rng() & 0xFFFFFFFFu));
  return (slug.empty() ? std::string("collection") : slug) + "-" + suffix;
}

}  // namespace

void DavCollectionStore::send(const Credentials& credentials, std::string method,
                              const std::string& url, HttpHeaders headers, std::string body,
                              ResponseDone done) {
  HttpClientRequest req;
  req.method = std::move(method);
  req.url = url;
  req.headers = std::move(headers);
  req.body = std::move(body);
  req.user = dav_login_name(options_.login_mode, credentials.user);
  req.password = credentials.password;
  req.timeout = options_.timeout;
  req.max_body_bytes = options_.max_response_bytes;
  std::weak_ptr<char> alive = alive_token_;
  http_->start(std::move(req), [alive, done = std::move(done)](Result<HttpClientResponse> r) {
    if (alive.expired()) return;  // nobody is waiting any more
    done(std::move(r));
  });
}

void DavCollectionStore::fail_later(Status status, std::function<void(Status)> done) {
  // An empty URL fails inside the client on the loop's next turn; the client's error is
  // replaced by ours.
  HttpClientRequest req;
  std::weak_ptr<char> alive = alive_token_;
  http_->start(std::move(req), [alive, status = std::move(status),
                                done = std::move(done)](Result<HttpClientResponse>) {
    if (!alive.expired()) done(status);
  });
}

Result<std::string> DavCollectionStore::url_of(const std::string& href) const {
  Result<std::string> url = resolve_dav_url(options_.base_url, href);
  if (!url.is_ok()) return Status::invalid_argument("bad DAV href " + href);
  return url;
}

// ---- sync-collection -------------------------------------------------------------------

void DavCollectionStore::sync_changes(const Credentials& credentials,
                                      const std::string& collection_href,
                                      const std::string& sync_token,
                                      const std::vector<DavItemRef>& snapshot,
                                      DavCallback<DavChanges> done) {
  Result<std::string> url = url_of(collection_href);
  if (!url.is_ok()) return fail_later(url.status(), [done](Status s) { done(s); });
  HttpHeaders h;
  h.add("Depth", "0");  // RFC 6578 section 3.2
  h.add("Content-Type", "application/xml; charset=utf-8");
  send(credentials, "REPORT", *url, std::move(h), sync_collection_body(sync_token),
       [this, credentials, url = *url, snapshot, done](Result<HttpClientResponse> r) {
         if (!r.is_ok()) return done(r.status().prefixed("sync-collection"));
         if ((r->status == 403 || r->status == 409) && names_valid_sync_token(r->body)) {
           DavChanges c;
           c.token_invalid = true;
           return done(std::move(c));
         }
         if (report_unsupported(r->status, r->body)) {
           if (first_time_for_cause("dav_no_sync_collection")) {
             log_warn(kComponent)
                 .msg("server has no sync-collection; diffing PROPFIND listings")
                 .kv("url", url_for_log(url))
                 .kv("http_status", r->status);
           }
           return sync_by_listing(credentials, url, snapshot, done);
         }
         if (r->status != 207) return done(unexpected(*r, "sync-collection on"));
         Result<Multistatus> ms = parse_multistatus(r->body, options_.max_response_bytes);
         if (!ms.is_ok()) return done(ms.status().prefixed("sync-collection"));
         const std::string self = dav_path_key(dav_url_path(r->effective_url));
         DavChanges c;
         c.sync_token = ms->sync_token;
         for (const DavResponse& resp : ms->responses) {
           const std::string path = path_of(r->effective_url, resp.href);
           if (dav_path_key(path) == self) {
             if (resp.status == 507) c.truncated = true;  // RFC 6578 section 3.6
             continue;
           }
           if (!is_member(self, path)) continue;
           if (resp.status == 404) {
             c.removed.push_back(path);
           } else if (const DavProperty* e = resp.find(kDavNs, "getetag")) {
             c.changed.push_back({path, e->text_trimmed()});
           } else if (resp.status == 0 || (resp.status >= 200 && resp.status < 300)) {
             c.changed.push_back({path, ""});
           }
         }
         done(std::move(c));
       });
}

void DavCollectionStore::sync_by_listing(const Credentials& credentials, const std::string& url,
                                         std::vector<DavItemRef> snapshot,
                                         DavCallback<DavChanges> done) {
  HttpHeaders h;
  h.add("Depth", "1");
  h.add("Content-Type", "application/xml; charset=utf-8");
  send(credentials, "PROPFIND", url, std::move(h),
       propfind_body({{std::string(kDavNs), "getetag"}, {std::string(kDavNs), "resourcetype"}}),
       [this, snapshot = std::move(snapshot), done](Result<HttpClientResponse> r) {
         if (!r.is_ok()) return done(r.status().prefixed("PROPFIND listing"));
         if (r->status != 207) return done(unexpected(*r, "PROPFIND Depth:1 on"));
         Result<Multistatus> ms = parse_multistatus(r->body, options_.max_response_bytes);
         if (!ms.is_ok()) return done(ms.status().prefixed("PROPFIND listing"));
         const std::string self = dav_path_key(dav_url_path(r->effective_url));
         DavChanges c;
         c.from_listing = true;
         std::map<std::string, std::string> before;  // path key -> etag
         for (const auto& item : snapshot) before[dav_path_key(item.href)] = item.etag;
         for (const DavResponse& resp : ms->responses) {
           const std::string path = path_of(r->effective_url, resp.href);
           if (!is_member(self, path)) continue;
           const DavProperty* type = resp.find(kDavNs, "resourcetype");
           if (type && type->has_child(kDavNs, "collection")) continue;
           const DavProperty* e = resp.find(kDavNs, "getetag");
           DavItemRef ref{path, e ? e->text_trimmed() : std::string()};
           auto it = before.find(dav_path_key(path));
           // Without an ETag nothing tells a change apart: report it as changed.
           if (it == before.end() || it->second != ref.etag || ref.etag.empty()) {
             c.changed.push_back(ref);
           }
           if (it != before.end()) before.erase(it);
           c.listing.push_back(std::move(ref));
         }
         for (const auto& item : snapshot) {
           if (before.count(dav_path_key(item.href))) c.removed.push_back(item.href);
         }
         done(std::move(c));
       });
}

// ---- multiget / GET ---------------------------------------------------------------------

struct DavCollectionStore::FetchByGet : std::enable_shared_from_this<FetchByGet> {
  DavCollectionStore* store;             // owner; alive while callbacks run (send checks)
  Credentials credentials;               // the user's
  std::vector<std::string> urls;         // absolute URLs still to fetch, in order
  size_t next = 0;                       // index into urls
  std::vector<DavItem> items;            // fetched so far
  DavCallback<std::vector<DavItem>> done;

  void step() {
    if (next >= urls.size()) return done(std::move(items));
    auto self = shared_from_this();
    store->send(credentials, "GET", urls[next++], {}, {}, [self](Result<HttpClientResponse> r) {
      if (!r.is_ok()) return self->done(r.status().prefixed("GET item"));
      if (r->status == 200) {
        self->items.push_back({dav_url_path(r->effective_url), etag_header(*r), std::move(r->body)});
      } else if (r->status != 404 && r->status != 410) {
        return self->done(unexpected(*r, "GET"));
      }
      self->step();
    });
  }
};

void DavCollectionStore::fetch_by_get(const Credentials& credentials, std::vector<std::string> urls,
                                      DavCallback<std::vector<DavItem>> done) {
  auto walk = std::make_shared<FetchByGet>();
  walk->store = this;
  walk->credentials = credentials;
  walk->urls = std::move(urls);
  walk->done = std::move(done);
  walk->step();
}

void DavCollectionStore::fetch_items(const Credentials& credentials,
                                     const std::string& collection_href, CollectionKind kind,
                                     const std::vector<std::string>& hrefs,
                                     DavCallback<std::vector<DavItem>> done) {
  Result<std::string> url = url_of(collection_href);
  if (!url.is_ok()) return fail_later(url.status(), [done](Status s) { done(s); });
  std::vector<std::string> urls;
  for (const auto& h : hrefs) {
    Result<std::string> u = url_of(h);
    if (!u.is_ok()) return fail_later(u.status(), [done](Status s) { done(s); });
    urls.push_back(std::move(u).value());
  }
  if (hrefs.empty()) {
    return fail_later(Status::ok(), [done](Status) { done(std::vector<DavItem>{}); });
  }
  HttpHeaders h;
  h.add("Depth", "1");
  h.add("Content-Type", "application/xml; charset=utf-8");
  const bool contacts = kind == CollectionKind::kContacts;
  send(credentials, "REPORT", *url, std::move(h), multiget_body(kind, hrefs),
       [this, credentials, urls, contacts, done](Result<HttpClientResponse> r) {
         if (!r.is_ok()) return done(r.status().prefixed("multiget"));
         if (report_unsupported(r->status, r->body)) {
           if (first_time_for_cause("dav_no_multiget")) {
             log_warn(kComponent).msg("server has no multiget REPORT; one GET per item");
           }
           return fetch_by_get(credentials, urls, done);
         }
         if (r->status != 207) return done(unexpected(*r, "multiget on"));
         Result<Multistatus> ms = parse_multistatus(r->body, options_.max_response_bytes);
         if (!ms.is_ok()) return done(ms.status().prefixed("multiget"));
         std::vector<DavItem> items;
         for (const DavResponse& resp : ms->responses) {
           const DavProperty* data = contacts ? resp.find(kCardDavNs, "address-data")
                                              : resp.find(kCalDavNs, "calendar-data");
           if (!data) continue;  // 404: gone since the caller listed it
           const DavProperty* e = resp.find(kDavNs, "getetag");
           items.push_back({path_of(r->effective_url, resp.href),
                            e ? e->text_trimmed() : std::string(), data->text});
         }
         done(std::move(items));
       });
}

// ---- calendar-query / addressbook-query ------------------------------------------------

void DavCollectionStore::query_items(const Credentials& credentials,
                                     const std::string& collection_href, CollectionKind kind,
                                     const DavTextQuery& query,
                                     DavCallback<std::vector<DavItem>> done) {
  Result<std::string> url = url_of(collection_href);
  if (!url.is_ok()) return fail_later(url.status(), [done](Status s) { done(s); });
  HttpHeaders h;
  h.add("Depth", "1");
  h.add("Content-Type", "application/xml; charset=utf-8");
  const bool contacts = kind == CollectionKind::kContacts;
  send(credentials, "REPORT", *url, std::move(h), text_query_body(kind, query),
       [this, contacts, done](Result<HttpClientResponse> r) {
         if (!r.is_ok()) return done(r.status().prefixed("query REPORT"));
         // RFC 4791 section 7.8 / RFC 6352 section 8.6: a filter the server cannot apply
         // is refused with supported-filter (403, or 400/501 on some servers).
         const bool filter_refused =
             (r->status == 400 || r->status == 403 || r->status == 501) &&
             r->body.find("supported-filter") != std::string::npos;
         if (report_unsupported(r->status, r->body) || filter_refused) {
           if (first_time_for_cause("dav_no_query_report")) {
             log_warn(kComponent).msg("server has no usable query REPORT; reading collections")
                 .kv("http_status", r->status);
           }
           return done(Status::unsupported("query REPORT not offered"));
         }
         if (r->status != 207) return done(unexpected(*r, "query REPORT on"));
         Result<Multistatus> ms = parse_multistatus(r->body, options_.max_response_bytes);
         if (!ms.is_ok()) return done(ms.status().prefixed("query REPORT"));
         std::vector<DavItem> items;
         for (const DavResponse& resp : ms->responses) {
           const DavProperty* data = contacts ? resp.find(kCardDavNs, "address-data")
                                              : resp.find(kCalDavNs, "calendar-data");
           if (!data) continue;
           const DavProperty* e = resp.find(kDavNs, "getetag");
           items.push_back({path_of(r->effective_url, resp.href),
                            e ? e->text_trimmed() : std::string(), data->text});
         }
         done(std::move(items));
       });
}

// ---- PUT / DELETE -----------------------------------------------------------------------

void DavCollectionStore::put_item(const Credentials& credentials,
                                  const std::string& collection_href, DavPut put,
                                  DavCallback<DavItemRef> done) {
  Result<std::string> url = Status::ok();
  if (put.href_or_name.find('/') != std::string::npos) {
    url = url_of(put.href_or_name);
  } else {
    std::string collection = collection_href;
    if (collection.empty() || collection.back() != '/') collection.push_back('/');
    url = url_of(collection + dav_encode_segment(put.href_or_name));
  }
  if (!url.is_ok()) return fail_later(url.status(), [done](Status s) { done(s); });
  HttpHeaders h;
  h.add("Content-Type", put.content_type);
  // RFC 4791 section 5.3.4 / RFC 6352 section 6.3.2: conditional writes so a change made on
  // the server in between is reported, never overwritten.
  if (put.if_match.empty()) {
    h.add("If-None-Match", "*");
  } else {
    h.add("If-Match", put.if_match);
  }
  send(credentials, "PUT", *url, std::move(h), std::move(put.body),
       [done](Result<HttpClientResponse> r) {
         if (!r.is_ok()) return done(r.status().prefixed("PUT"));
         if (r->status == 412) {
           return done(Status::conflict("PUT " + url_for_log(r->effective_url) +
                                        ": the item changed on the server (HTTP 412)"));
         }
         if (r->status != 200 && r->status != 201 && r->status != 204) {
           return done(unexpected(*r, "PUT"));
         }
         std::string etag = etag_header(*r);
         if (etag.rfind("W/", 0) == 0) etag.clear();  // weak: not usable for If-Match
         done(DavItemRef{dav_url_path(r->effective_url), std::move(etag)});
       });
}

void DavCollectionStore::delete_item(const Credentials& credentials, const std::string& href,
                                     const std::string& if_match,
                                     std::function<void(Status)> done) {
  Result<std::string> url = url_of(href);
  if (!url.is_ok()) return fail_later(url.status(), std::move(done));
  HttpHeaders h;
  if (!if_match.empty()) h.add("If-Match", if_match);
  send(credentials, "DELETE", *url, std::move(h), {}, [done](Result<HttpClientResponse> r) {
    if (!r.is_ok()) return done(r.status().prefixed("DELETE"));
    if (r->status == 200 || r->status == 204) return done(Status::ok());
    if (r->status == 412) {
      return done(Status::conflict("DELETE " + url_for_log(r->effective_url) +
                                   ": the item changed on the server (HTTP 412)"));
    }
    done(unexpected(*r, "DELETE"));
  });
}

// ---- collections ------------------------------------------------------------------------

void DavCollectionStore::create_collection(const Credentials& credentials, CollectionKind kind,
                                           const std::string& display_name,
                                           DavCallback<DavCollection> done) {
  // The home is the parent of an existing collection of the same family (calendar homes
  // hold calendars, tasks and notes; address book homes hold contacts); with none, the
  // principal (Radicale's layout).
  list_collections(credentials, [this, credentials, kind, display_name,
                                 done](Result<std::vector<DavCollection>> listed) {
    if (!listed.is_ok()) return done(listed.status());
    const bool want_contacts = kind == CollectionKind::kContacts;
    std::string home;
    for (const auto& c : *listed) {
      if ((c.kind == CollectionKind::kContacts) != want_contacts) continue;
      std::string path = c.href;
      while (!path.empty() && path.back() == '/') path.pop_back();
      home = path.substr(0, path.rfind('/') + 1);
      break;
    }
    if (home.empty()) {
      home = "/" + dav_encode_segment(dav_login_name(options_.login_mode, credentials.user)) + "/";
    }
    const std::string href = home + new_collection_name(display_name) + "/";
    Result<std::string> url = url_of(href);
    if (!url.is_ok()) return done(url.status());
    HttpHeaders h;
    h.add("Content-Type", "application/xml; charset=utf-8");
    send(credentials, want_contacts ? "MKCOL" : "MKCALENDAR", *url, std::move(h),
         make_collection_body(kind, display_name),
         [kind, display_name, done](Result<HttpClientResponse> r) {
           if (!r.is_ok()) return done(r.status().prefixed("create collection"));
           if (r->status == 405) {
             return done(Status::conflict("create collection: " + url_for_log(r->effective_url) +
                                          " exists (HTTP 405)"));
           }
           if (r->status != 201 && r->status != 200) {
             return done(unexpected(*r, "create collection"));
           }
           DavCollection c;
           c.href = dav_url_path(r->effective_url);
           c.display_name = display_name;
           c.kind = kind;
           done(std::move(c));
         });
  });
}

void DavCollectionStore::delete_collection(const Credentials& credentials, const std::string& href,
                                           std::function<void(Status)> done) {
  delete_item(credentials, href, {}, std::move(done));
}

void DavCollectionStore::update_collection(const Credentials& credentials,
                                           const std::string& href,
                                           const std::string& display_name,
                                           std::function<void(Status)> done) {
  Result<std::string> url = url_of(href);
  if (!url.is_ok()) return fail_later(url.status(), std::move(done));
  HttpHeaders h;
  h.add("Content-Type", "application/xml; charset=utf-8");
  send(credentials, "PROPPATCH", *url, std::move(h), displayname_patch_body(display_name),
       [this, done](Result<HttpClientResponse> r) {
         if (!r.is_ok()) return done(r.status().prefixed("PROPPATCH"));
         if (r->status != 207) return done(unexpected(*r, "PROPPATCH"));
         Result<Multistatus> ms = parse_multistatus(r->body, options_.max_response_bytes);
         if (!ms.is_ok()) return done(ms.status().prefixed("PROPPATCH"));
         for (const auto& resp : ms->responses) {
           if (!resp.missing.empty()) {
             return done(Status::backend_error("PROPPATCH " + url_for_log(r->effective_url) +
                                               ": the server refused DAV:displayname"));
           }
         }
         done(Status::ok());
       });
}

}  // namespace easgate
