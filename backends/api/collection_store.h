#pragma once
// Calendar, address book, task and note collections on a DAV server (CalDAV RFC 4791,
// CardDAV RFC 6352). One instance per worker event loop; callbacks run on that loop.
// Implementations: backends/dav.

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

class CollectionStore {
 public:
  virtual ~CollectionStore() = default;
  // Every calendar, task list, address book and note collection the user owns.
  virtual void list_collections(
      const Credentials& credentials,
      std::function<void(Result<std::vector<DavCollection>>)> done) = 0;
};

}  // namespace easgate
