#pragma once
// Calendar, address book, task and note collections on a DAV server (CalDAV RFC 4791,
// CardDAV RFC 6352). One instance per worker event loop; callbacks run on that loop.
// Implementations: backends/dav.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backends/api/credentials.h"
#include "gateway/core/status.h"

namespace easgate {

// What a collection holds, which decides its EAS folder class and type.
enum class CollectionKind : uint8_t {
  kCalendar,  // VEVENT components (EAS Calendar, folder type 8/13)
  kTasks,     // VTODO only (EAS Tasks, folder type 7/15)
  kContacts,  // vCards (EAS Contacts, folder type 9/14)
  kNotes,     // VJOURNAL only (EAS Notes, folder type 10/17)
};

struct DavCollection {
  // Absolute path of the collection on the server, e.g. "/alice/calendar/". Stable
  // identity: a rename on the server changes display_name, not href.
  std::string href;
  // DAV:displayname, or the last path segment when the server has none.
  std::string display_name;
  CollectionKind kind = CollectionKind::kCalendar;
  // RFC 6578 sync-token; empty when the server does not offer sync-collection.
  std::string sync_token;
  // CalendarServer getctag; empty when absent. Fallback change marker.
  std::string ctag;
  // True for the user's first (default) collection of its kind; EAS gives it the
  // default folder type (8, 9, 7) and the others the user-created type (13, 14, 15).
  bool is_default = false;
};

// One member of a collection: where it is and which version the server has.
struct DavItemRef {
  // Absolute path of the item on the server ("/alice/contacts/x.vcf"), percent-encoded as
  // the server spelled it. Stable identity of the item.
  std::string href;
  // Strong ETag including its quotes ("\"abc\""); empty when the server sent none.
  std::string etag;

  friend bool operator==(const DavItemRef&, const DavItemRef&) = default;
};

// What changed in a collection since a sync-token or a snapshot.
struct DavChanges {
  // Members added or modified since the token (or whose ETag differs from the snapshot).
  std::vector<DavItemRef> changed;
  // Hrefs of members removed since the token (or in the snapshot but gone now).
  std::vector<std::string> removed;
  // The token to pass next time (RFC 6578 section 3.6); empty after the PROPFIND fallback.
  std::string sync_token;
  // RFC 6578 section 3.2: the server refused the token (valid-sync-token precondition).
  // Nothing else is set; the caller forgets its cursor and syncs from an empty token.
  bool token_invalid = false;
  // RFC 6578 section 3.6: the server sent only part of the changes (507 on the collection);
  // call again with `sync_token` for the rest.
  bool truncated = false;
  // True when the server has no sync-collection and a PROPFIND Depth:1 listing was diffed
  // against the caller's snapshot; `listing` is then the snapshot for the next call.
  bool from_listing = false;
  // Every member with its ETag, only when from_listing.
  std::vector<DavItemRef> listing;
};

// One fetched member.
struct DavItem {
  // Absolute path of the item, as in DavItemRef::href.
  std::string href;
  // ETag of this body; empty when the server sent none.
  std::string etag;
  // The iCalendar or vCard text.
  std::string body;
};

// A PUT of one member (RFC 4791 section 5.3.2, RFC 6352 section 6.3.2).
struct DavPut {
  // Existing item: its href. New item: a resource name ("<uid>.vcf") placed in the
  // collection; it is percent-encoded here.
  std::string href_or_name;
  // iCalendar or vCard text.
  std::string body;
  // "text/vcard; charset=utf-8" or "text/calendar; charset=utf-8".
  std::string content_type;
  // Existing item: the ETag the caller's change is based on (If-Match). Empty: the item
  // must not exist yet (If-None-Match: *). Either way the server never loses a change made
  // meanwhile: a mismatch is kConflict.
  std::string if_match;
};

// One busy period from a CalDAV free-busy-query (RFC 4791 section 7.10).
struct BusyInterval {
  // What FBTYPE the server gave (RFC 5545 section 3.2.9).
  enum class Kind : uint8_t {
    kBusy,         // BUSY (the default)
    kTentative,    // BUSY-TENTATIVE
    kUnavailable,  // BUSY-UNAVAILABLE (out of office)
  };
  // Start of the period, UTC.
  std::chrono::sys_seconds start;
  // End of the period (exclusive), UTC.
  std::chrono::sys_seconds end;
  // Busy type.
  Kind kind = Kind::kBusy;

  friend bool operator==(const BusyInterval&, const BusyInterval&) = default;
};

// A server-side search of one collection's members by property text: CalDAV
// calendar-query (RFC 4791 section 7.8, prop-filter + text-match, 9.7) or CardDAV
// addressbook-query (RFC 6352 section 8.6, 10.5). The server narrows, the caller decides:
// CalDAV text-match is always a case-insensitive substring match (RFC 4791 section 9.7.5),
// so callers check the returned bodies themselves.
struct DavTextQuery {
  // How a text must match (RFC 6352 section 10.5.4 match-type; CardDAV only).
  enum class Match : uint8_t {
    kEquals,      // the whole value
    kContains,    // anywhere in the value
    kStartsWith,  // at the start of the value
  };
  // One prop-filter: property `property` holds `text`, case-insensitively.
  struct Term {
    std::string property;  // "UID"; "FN", "EMAIL"
    std::string text;      // what to look for
  };
  // Calendars: the component whose properties are matched ("VEVENT", "VTODO").
  std::string component = "VEVENT";
  // Contacts: a card matches when any term matches (test="anyof"). Calendars: every term
  // must match (RFC 4791 section 9.7.1).
  std::vector<Term> terms;
  // Match type for contacts; calendars always match a substring.
  Match match = Match::kContains;
};

template <typename T>
using DavCallback = std::function<void(Result<T>)>;

// All methods: `done` runs exactly once, on the store's loop, never inside the call.
// Common errors: kAuthFailed, kTimeout, kBackendUnavailable, kForbidden, kNotFound,
// kBackendError (unexpected HTTP status), kMalformed (bad multistatus).
class CollectionStore {
 public:
  virtual ~CollectionStore() = default;
  // Every calendar, task list, address book and note collection the user owns.
  virtual void list_collections(
      const Credentials& credentials,
      std::function<void(Result<std::vector<DavCollection>>)> done) = 0;

  // Changes in `collection_href` since `sync_token` (empty: every member is "changed").
  // `snapshot` is what the caller knew (href + ETag) and is used only when the server has
  // no sync-collection report.
  virtual void sync_changes(const Credentials& credentials, const std::string& collection_href,
                            const std::string& sync_token,
                            const std::vector<DavItemRef>& snapshot,
                            DavCallback<DavChanges> done) = 0;
  // Bodies of `hrefs` (one multiget REPORT; GET per item on servers without it). Members
  // that are gone are left out of the result rather than failing the call.
  virtual void fetch_items(const Credentials& credentials, const std::string& collection_href,
                           CollectionKind kind, const std::vector<std::string>& hrefs,
                           DavCallback<std::vector<DavItem>> done) = 0;
  // Creates or replaces one member; the result is its href and new ETag (empty when the
  // server changed the data and sent none: fetch it again). kConflict on 412.
  virtual void put_item(const Credentials& credentials, const std::string& collection_href,
                        DavPut put, DavCallback<DavItemRef> done) = 0;
  // Deletes one member; with `if_match`, only that version (kConflict otherwise).
  // kNotFound when it is already gone.
  virtual void delete_item(const Credentials& credentials, const std::string& href,
                           const std::string& if_match, std::function<void(Status)> done) = 0;
  // Creates a collection of `kind` in the user's matching home (MKCALENDAR, RFC 4791
  // section 5.3.1; extended MKCOL, RFC 5689, for address books).
  virtual void create_collection(const Credentials& credentials, CollectionKind kind,
                                 const std::string& display_name,
                                 DavCallback<DavCollection> done) = 0;
  // Deletes a collection and everything in it.
  virtual void delete_collection(const Credentials& credentials, const std::string& href,
                                 std::function<void(Status)> done) = 0;
  // Renames a collection (PROPPATCH DAV:displayname).
  virtual void update_collection(const Credentials& credentials, const std::string& href,
                                 const std::string& display_name,
                                 std::function<void(Status)> done) = 0;
  // Busy periods of `user` (a mail address; empty: the credentials' user) in [start, end)
  // from a free-busy-query on each of their calendars, merged and sorted.
  virtual void freebusy(const Credentials& credentials, const std::string& user,
                        std::chrono::sys_seconds start, std::chrono::sys_seconds end,
                        DavCallback<std::vector<BusyInterval>> done) = 0;
  // Members of `collection_href` the server finds for `query`, with bodies and ETags (one
  // REPORT). kUnsupported when the server has no such REPORT: the caller then reads the
  // whole collection. This default (a store without server-side search) answers
  // kUnsupported at once, inside the call.
  virtual void query_items(const Credentials& credentials, const std::string& collection_href,
                           CollectionKind kind, const DavTextQuery& query,
                           DavCallback<std::vector<DavItem>> done) {
    (void)credentials;
    (void)collection_href;
    (void)kind;
    (void)query;
    done(Status::unsupported("no server-side search"));
  }
};

}  // namespace easgate
