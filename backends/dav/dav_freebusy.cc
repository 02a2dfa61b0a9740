// DavCollectionStore::freebusy: a CalDAV free-busy-query (RFC 4791 section 7.10) on each
// calendar of a user, merged. For ResolveRecipients Availability (MS-ASCMD 2.2.3.16).

#include <utility>

#include "backends/dav/dav_collection_map.h"
#include "backends/dav/dav_collection_store.h"
#include "backends/dav/dav_item_xml.h"
#include "backends/dav/dav_url.h"
#include "backends/dav/ical_busy.h"
#include "gateway/core/log.h"

namespace easgate {

struct DavCollectionStore::FreeBusyWalk : std::enable_shared_from_this<FreeBusyWalk> {
  DavCollectionStore* store;             // owner; alive while callbacks run (send checks)
  Credentials credentials;               // the requesting user's
  std::vector<std::string> urls;         // calendars still to ask, absolute URLs
  size_t next = 0;                       // index into urls
  std::string body;                      // the free-busy-query, the same for every calendar
  std::chrono::sys_seconds start;        // window start
  std::chrono::sys_seconds end;          // window end (exclusive)
  std::vector<BusyInterval> busy;        // gathered so far
  DavCallback<std::vector<BusyInterval>> done;

  // The calendar-query fallback for one calendar; continues with step().
  void query_events(const std::string& url);

  void step() {
    if (next >= urls.size()) {
      merge_busy(&busy);
      return done(std::move(busy));
    }
    HttpHeaders h;
    h.add("Depth", "1");
    h.add("Content-Type", "application/xml; charset=utf-8");
    auto self = shared_from_this();
    store->send(credentials, "REPORT", urls[next++], std::move(h), body,
                [self](Result<HttpClientResponse> r) {
                  if (!r.is_ok()) return self->done(r.status().prefixed("free-busy-query"));
                  if (r->status == 207 || report_unsupported(r->status, r->body)) {
                    // No free-busy-query (Radicale < 3.2 answers it with a listing): ask
                    // for the events themselves and expand them here.
                    if (first_time_for_cause("dav_no_free_busy_query")) {
                      log_warn("dav").msg("server has no free-busy-query; expanding events")
                          .kv("url", url_for_log(r->effective_url));
                    }
                    return self->query_events(r->effective_url);
                  }
                  if (r->status == 200) {
                    Result<std::vector<BusyInterval>> b = parse_free_busy(r->body);
                    if (!b.is_ok()) return self->done(b.status().prefixed("free-busy-query"));
                    self->busy.insert(self->busy.end(), b->begin(), b->end());
                  } else if (r->status == 403 || r->status == 404) {
                    // One unreadable calendar should not hide the others' busy times.
                    if (first_time_for_cause("dav_freebusy_unreadable")) {
                      log_warn("dav").msg("free-busy-query refused; skipping that calendar")
                          .kv("url", url_for_log(r->effective_url))
                          .kv("http_status", r->status);
                    }
                  } else {
                    return self->done(Status::backend_error(
                        "free-busy-query " + url_for_log(r->effective_url) + " answered HTTP " +
                        std::to_string(r->status)));
                  }
                  self->step();
                });
  }
};

void DavCollectionStore::FreeBusyWalk::query_events(const std::string& url) {
  HttpHeaders h;
  h.add("Depth", "1");
  h.add("Content-Type", "application/xml; charset=utf-8");
  auto self = shared_from_this();
  store->send(credentials, "REPORT", url, std::move(h), event_query_body(start, end),
              [self](Result<HttpClientResponse> r) {
                if (!r.is_ok()) return self->done(r.status().prefixed("calendar-query"));
                if (r->status != 207) {
                  return self->done(Status::backend_error(
                      "calendar-query " + url_for_log(r->effective_url) + " answered HTTP " +
                      std::to_string(r->status)));
                }
                Result<Multistatus> ms =
                    parse_multistatus(r->body, self->store->options_.max_response_bytes);
                if (!ms.is_ok()) return self->done(ms.status().prefixed("calendar-query"));
                for (const auto& resp : ms->responses) {
                  const DavProperty* data = resp.find(kCalDavNs, "calendar-data");
                  if (!data) continue;
                  // One unreadable event must not hide the rest of the calendar.
                  (void)add_busy_from_ical(data->text, self->start, self->end, &self->busy);
                }
                self->step();
              });
}

void DavCollectionStore::freebusy_on(const Credentials& credentials,
                                     std::vector<DavCollection> calendars,
                                     std::chrono::sys_seconds start, std::chrono::sys_seconds end,
                                     DavCallback<std::vector<BusyInterval>> done) {
  auto walk = std::make_shared<FreeBusyWalk>();
  walk->store = this;
  walk->credentials = credentials;
  walk->body = free_busy_query_body(start, end);
  walk->start = start;
  walk->end = end;
  walk->done = std::move(done);
  for (const auto& c : calendars) {
    if (c.kind != CollectionKind::kCalendar) continue;
    Result<std::string> url = url_of(c.href);
    if (url.is_ok()) walk->urls.push_back(std::move(url).value());
  }
  walk->step();
}

void DavCollectionStore::freebusy(const Credentials& credentials, const std::string& user,
                                  std::chrono::sys_seconds start, std::chrono::sys_seconds end,
                                  DavCallback<std::vector<BusyInterval>> done) {
  if (end <= start) {
    return fail_later(Status::invalid_argument("free-busy window ends before it starts"),
                      [done](Status s) { done(s); });
  }
  if (user.empty() || user == credentials.user) {
    list_collections(credentials, [this, credentials, start, end,
                                   done](Result<std::vector<DavCollection>> listed) {
      if (!listed.is_ok()) return done(listed.status());
      freebusy_on(credentials, std::move(listed).value(), start, end, done);
    });
    return;
  }
  // Another user: their home is /<login>/ on the server (Radicale, Baikal layouts); the
  // server's ACLs decide whether the requester may see it (RFC 4791 section 6.1.1
  // CALDAV:read-free-busy).
  Result<std::string> home =
      url_of("/" + dav_encode_segment(dav_login_name(options_.login_mode, user)) + "/");
  if (!home.is_ok()) return fail_later(home.status(), [done](Status s) { done(s); });
  HttpHeaders h;
  h.add("Depth", "1");
  h.add("Content-Type", "application/xml; charset=utf-8");
  send(credentials, "PROPFIND", *home, std::move(h), propfind_body(home_listing_properties()),
       [this, credentials, start, end, done](Result<HttpClientResponse> r) {
         if (!r.is_ok()) return done(r.status().prefixed("free-busy: listing the user's home"));
         if (r->status == 403) return done(Status::forbidden("free-busy: the user's calendars are not readable"));
         if (r->status == 404) return done(Status::not_found("free-busy: no such DAV user"));
         if (r->status != 207) {
           return done(Status::backend_error("free-busy: PROPFIND on the user's home answered HTTP " +
                                             std::to_string(r->status)));
         }
         Result<Multistatus> ms = parse_multistatus(r->body, options_.max_response_bytes);
         if (!ms.is_ok()) return done(ms.status().prefixed("free-busy"));
         freebusy_on(credentials, collections_from_home(*ms, r->effective_url), start, end, done);
       });
}

}  // namespace easgate
