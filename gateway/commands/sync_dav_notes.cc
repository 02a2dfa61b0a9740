#include "gateway/commands/sync_dav_notes.h"

#include <libical/ical.h>

#include <mutex>
#include <vector>

#include "backends/ical/ical_support.h"
#include "gateway/eas/wbxml/tags.h"

namespace easgate {
namespace {

namespace nt = tag::notes;
namespace base = tag::air_sync_base;
using ical::detail::ComponentPtr;

// MS-ASNOTE 2.2.2.5: LastModifiedDate is a dateTime with milliseconds, UTC.
std::string eas_date(icaltimetype t) {
  if (icaltime_is_null_time(t)) return "";
  icaltimetype u = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.000Z", u.year, u.month, u.day,
                u.hour, u.minute, u.second);
  return buf;
}

icalcomponent* first_journal(icalcomponent* root) {
  if (icalcomponent_isa(root) == ICAL_VJOURNAL_COMPONENT) return root;
  return icalcomponent_get_first_component(root, ICAL_VJOURNAL_COMPONENT);
}

void remove_all(icalcomponent* comp, icalproperty_kind kind) {
  std::vector<icalproperty*> gone;
  for (icalproperty* p = icalcomponent_get_first_property(comp, kind); p;
       p = icalcomponent_get_next_property(comp, kind)) {
    gone.push_back(p);
  }
  for (icalproperty* p : gone) {
    icalcomponent_remove_property(comp, p);
    icalproperty_free(p);
  }
}

}  // namespace

Status note_to_client(std::string_view text, WbxmlElement& ad) {
  std::lock_guard lock(ical::detail::libical_mutex());
  ical::detail::init_libical();
  ComponentPtr root(icalcomponent_new_from_string(std::string(text).c_str()));
  icalcomponent* j = root ? first_journal(root.get()) : nullptr;
  if (!j) return Status::malformed("no VJOURNAL");
  const char* summary = icalcomponent_get_summary(j);
  ad.add_text(nt::kSubject, summary ? summary : "");
  const char* description = icalcomponent_get_description(j);
  std::string body = description ? description : "";
  WbxmlElement& b = ad.add_child(base::kBody);
  b.add_text(base::kType, "1");  // plain text (MS-ASAIRS 2.2.2.22.1)
  b.add_text(base::kEstimatedDataSize, std::to_string(body.size()));
  b.add_text(base::kData, body);
  ad.add_text(nt::kMessageClass, "IPM.StickyNote");  // MS-ASNOTE 2.2.2.6
  std::vector<std::string> categories;
  for (icalproperty* p = icalcomponent_get_first_property(j, ICAL_CATEGORIES_PROPERTY); p;
       p = icalcomponent_get_next_property(j, ICAL_CATEGORIES_PROPERTY)) {
    // libical splits a comma list into one property per value when parsing.
    if (const char* c = icalproperty_get_categories(p); c && *c) categories.emplace_back(c);
  }
  if (!categories.empty()) {
    WbxmlElement& cs = ad.add_child(nt::kCategories);
    for (const auto& c : categories) cs.add_text(nt::kCategory, c);
  }
  icalproperty* lm = icalcomponent_get_first_property(j, ICAL_LASTMODIFIED_PROPERTY);
  if (!lm) lm = icalcomponent_get_first_property(j, ICAL_DTSTAMP_PROPERTY);
  if (lm) {
    std::string when = eas_date(icalproperty_get_lastmodified(lm));
    if (!when.empty()) ad.add_text(nt::kLastModifiedDate, when);
  }
  return Status::ok();
}

Result<std::string> note_from_client(const WbxmlElement& ad,
                                     const std::optional<std::string>& original,
                                     const std::string& uid, int64_t now) {
  std::lock_guard lock(ical::detail::libical_mutex());
  ical::detail::init_libical();
  ComponentPtr root;
  icalcomponent* j = nullptr;
  if (original) {
    root.reset(icalcomponent_new_from_string(original->c_str()));
    j = root ? first_journal(root.get()) : nullptr;
    if (!j) return Status::malformed("the server's note holds no VJOURNAL");
  } else {
    root.reset(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
    icalcomponent_add_property(root.get(), icalproperty_new_version("2.0"));
    icalcomponent_add_property(root.get(), icalproperty_new_prodid("-//easgate//EAS Notes//EN"));
    j = icalcomponent_new(ICAL_VJOURNAL_COMPONENT);
    icalcomponent_add_component(root.get(), j);
    icalcomponent_set_uid(j, uid.c_str());
  }
  // MS-ASCMD 2.2.3.11: a Change carries every element the client has; an element left out
  // was removed, so each mapped property is rewritten from the request.
  remove_all(j, ICAL_SUMMARY_PROPERTY);
  remove_all(j, ICAL_DESCRIPTION_PROPERTY);
  remove_all(j, ICAL_CATEGORIES_PROPERTY);
  remove_all(j, ICAL_LASTMODIFIED_PROPERTY);
  remove_all(j, ICAL_DTSTAMP_PROPERTY);
  if (const WbxmlElement* s = ad.child(nt::kSubject); s && !s->text().empty()) {
    icalcomponent_add_property(j, icalproperty_new_summary(std::string(s->text()).c_str()));
  }
  if (const WbxmlElement* b = ad.child(base::kBody)) {
    std::string data(b->child_text(base::kData));
    if (!data.empty()) icalcomponent_add_property(j, icalproperty_new_description(data.c_str()));
  }
  if (const WbxmlElement* cs = ad.child(nt::kCategories)) {
    for (const WbxmlElement* c : cs->children_named(nt::kCategory)) {
      if (c->text().empty()) continue;
      icalcomponent_add_property(j, icalproperty_new_categories(std::string(c->text()).c_str()));
    }
  }
  icaltimetype stamp = icaltime_from_timet_with_zone(static_cast<time_t>(now), 0,
                                                     icaltimezone_get_utc_timezone());
  icalcomponent_add_property(j, icalproperty_new_dtstamp(stamp));
  icalcomponent_add_property(j, icalproperty_new_lastmodified(stamp));
  char* out = icalcomponent_as_ical_string_r(root.get());
  if (!out) return Status::malformed("note could not be written");
  std::string text(out);
  free(out);
  return text;
}

}  // namespace easgate
