#include "backends/dav/dav_collection_map.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <string_view>

#include "backends/dav/dav_url.h"

namespace easgate {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Which components a calendar accepts. RFC 4791 section 5.2.3: without
// supported-calendar-component-set the server accepts every component type.
struct Components {
  bool vevent = false;    // VEVENT allowed
  bool vtodo = false;     // VTODO allowed
  bool vjournal = false;  // VJOURNAL allowed
};

Components components_of(const DavResponse& r) {
  const DavProperty* set = r.find(kCalDavNs, "supported-calendar-component-set");
  if (!set) return {true, true, true};
  Components c;
  for (const auto& child : set->children) {
    if (child.ns != kCalDavNs || child.name != "comp") continue;
    std::string name = child.attribute("name");
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (name == "VEVENT") c.vevent = true;
    if (name == "VTODO") c.vtodo = true;
    if (name == "VJOURNAL") c.vjournal = true;
  }
  return c;
}

// Preferred last path segments for the default collection of each kind, best first.
// "calendar"/"contacts"/"tasks" are Radicale's and most clients' names, "default" is
// Baikal's and Cyrus's, "personal" is Nextcloud's calendar and SOGo's calendar and address
// book. Without a match the first collection of the kind by href wins, so the choice is
// stable across requests as long as the server's collections do not change.
std::vector<std::string_view> preferred_names(CollectionKind kind) {
  switch (kind) {
    case CollectionKind::kCalendar: return {"calendar", "default", "personal"};
    case CollectionKind::kTasks: return {"tasks", "todo", "default"};
    case CollectionKind::kContacts: return {"contacts", "default", "personal"};
    case CollectionKind::kNotes: return {"notes", "journal", "default"};
  }
  return {};
}

}  // namespace

std::vector<DavName> home_listing_properties() {
  return {{std::string(kDavNs), "resourcetype"},
          {std::string(kDavNs), "displayname"},
          {std::string(kCalDavNs), "supported-calendar-component-set"},
          {std::string(kDavNs), "sync-token"},
          {std::string(kCalendarServerNs), "getctag"}};
}

std::optional<DavCollection> collection_from_response(const DavResponse& r,
                                                      const std::string& response_url) {
  // A response-level status instead of propstats means the member is gone or unreadable.
  if (r.status != 0 && (r.status < 200 || r.status >= 300)) return std::nullopt;
  const DavProperty* type = r.find(kDavNs, "resourcetype");
  if (!type) return std::nullopt;
  DavCollection c;
  if (type->has_child(kCalDavNs, "calendar")) {
    const Components comps = components_of(r);
    // EAS puts each collection in exactly one folder class. A calendar that takes both
    // VEVENT and VTODO (Nextcloud's and SOGo's default, Radicale without a component set)
    // is a calendar: events are what users expect to see there, and offering it as a task
    // list too would show the same collection twice.
    if (comps.vevent) {
      c.kind = CollectionKind::kCalendar;
    } else if (comps.vtodo) {
      c.kind = CollectionKind::kTasks;
    } else if (comps.vjournal) {
      c.kind = CollectionKind::kNotes;
    } else {
      return std::nullopt;  // e.g. VFREEBUSY / VAVAILABILITY only: nothing EAS can show
    }
  } else if (type->has_child(kCardDavNs, "addressbook")) {
    c.kind = CollectionKind::kContacts;
  } else {
    // Plain collections, principals, CalDAV scheduling inbox/outbox (RFC 6638), Nextcloud
    // trash bins and subscriptions: not synced.
    return std::nullopt;
  }
  c.href = dav_url_path(response_url);
  if (c.href.empty()) return std::nullopt;
  if (const DavProperty* p = r.find(kDavNs, "displayname")) c.display_name = p->text_trimmed();
  if (c.display_name.empty()) c.display_name = dav_last_segment(c.href);
  if (const DavProperty* p = r.find(kDavNs, "sync-token")) c.sync_token = p->text_trimmed();
  if (const DavProperty* p = r.find(kCalendarServerNs, "getctag")) c.ctag = p->text_trimmed();
  return c;
}

std::vector<DavCollection> collections_from_home(const Multistatus& listing,
                                                 const std::string& home_url) {
  std::vector<DavCollection> out;
  const std::string home_key = dav_path_key(dav_url_path(home_url));
  for (const auto& r : listing.responses) {
    Result<std::string> url = resolve_dav_url(home_url, r.href);
    if (!url.is_ok()) continue;
    // Depth:1 lists the home itself first (RFC 4918 section 9.1); it is never a collection
    // the user syncs, even on servers that mark it as a calendar.
    if (dav_path_key(dav_url_path(*url)) == home_key) continue;
    if (auto c = collection_from_response(r, *url)) out.push_back(std::move(*c));
  }
  return out;
}

void order_and_pick_defaults(std::vector<DavCollection>* collections) {
  auto& cs = *collections;
  std::stable_sort(cs.begin(), cs.end(),
                   [](const DavCollection& a, const DavCollection& b) { return a.href < b.href; });
  std::set<std::string> seen;
  cs.erase(std::remove_if(cs.begin(), cs.end(),
                          [&](const DavCollection& c) {
                            return !seen.insert(dav_path_key(c.href)).second;
                          }),
           cs.end());
  for (auto& c : cs) c.is_default = false;
  constexpr std::array kKinds = {CollectionKind::kCalendar, CollectionKind::kTasks,
                                 CollectionKind::kContacts, CollectionKind::kNotes};
  for (CollectionKind kind : kKinds) {
    DavCollection* chosen = nullptr;
    for (std::string_view name : preferred_names(kind)) {
      for (auto& c : cs) {
        if (c.kind == kind && lower(dav_last_segment(c.href)) == name) {
          chosen = &c;
          break;
        }
      }
      if (chosen) break;
    }
    if (!chosen) {
      for (auto& c : cs) {
        if (c.kind == kind) {
          chosen = &c;
          break;
        }
      }
    }
    if (chosen) chosen->is_default = true;
  }
}

}  // namespace easgate
