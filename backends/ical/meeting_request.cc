#include "backends/ical/meeting_request.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "backends/ical/ical_calendar.h"
#include "backends/ical/ical_props.h"
#include "backends/ical/ical_support.h"
#include "gateway/eas/wbxml/wbxml_xml.h"

namespace easgate::ical {
namespace {

using namespace detail;
namespace em = tag::email;
namespace em2 = tag::email2;
namespace base = tag::air_sync_base;

// MS-ASEMAIL 2.2.2.37 CLASSID: the fixed first 16 bytes of every global object id.
constexpr unsigned char kClassId[16] = {0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00,
                                        0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08};
constexpr std::string_view kVcalMarker = "vCal-Uid";
// CLASSID, INSTDATE, NOW, RESERVED, BYTECOUNT.
constexpr size_t kHeaderSize = 16 + 4 + 8 + 8 + 4;

std::string num(int64_t v) { return std::to_string(v); }

std::string real(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void put_le32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint32_t get_le32(std::string_view b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The bytes of an Outlook id written as hex (MS-OXCICAL EncodedGlobalId), or nullopt.
std::optional<std::string> outlook_id_bytes(std::string_view uid) {
  if (uid.size() < 2 * kHeaderSize || uid.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  bytes.reserve(uid.size() / 2);
  for (size_t i = 0; i < uid.size(); i += 2) {
    int hi = hex_value(uid[i]), lo = hex_value(uid[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes += static_cast<char>(hi * 16 + lo);
  }
  if (bytes.compare(0, 16, reinterpret_cast<const char*>(kClassId), 16) != 0) return std::nullopt;
  if (get_le32(bytes, kHeaderSize - 4) != bytes.size() - kHeaderSize) return std::nullopt;
  return bytes;
}

// METHOD and SEQUENCE, and the RECURRENCE-ID of a message about one occurrence only (a
// VEVENT with RECURRENCE-ID and no master beside it: RFC 5546 3.2.2 / 3.2.5).
struct ItipView {
  std::string method;
  int sequence = 0;
  std::optional<EasTime> recurrence_id;
};

ItipView read_itip(std::string_view ics, const ConversionContext& ctx) {
  ItipView v;
  std::lock_guard lock(libical_mutex());
  Status error;
  ComponentPtr vcal = parse_calendar(ics, error);
  if (!vcal) return v;
  if (icalproperty* m = icalcomponent_get_first_property(vcal.get(), ICAL_METHOD_PROPERTY)) {
    if (const char* text = icalproperty_get_value_as_string(m)) v.method = text;
    for (char& c : v.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  icaltimezone* fallback = builtin_zone(ctx.default_timezone);
  bool master = false;
  std::optional<EasTime> first_override;
  for (icalcomponent* ev = icalcomponent_get_first_component(vcal.get(), ICAL_VEVENT_COMPONENT); ev;
       ev = icalcomponent_get_next_component(vcal.get(), ICAL_VEVENT_COMPONENT)) {
    if (icalproperty* s = icalcomponent_get_first_property(ev, ICAL_SEQUENCE_PROPERTY))
      v.sequence = std::max(v.sequence, icalproperty_get_sequence(s));
    icalproperty* rid = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
    if (!rid) {
      master = true;
      continue;
    }
    icaltimezone* zone = nullptr;
    const icaltimetype t = prop_time(vcal.get(), rid, &zone);
    if (!first_override && !icaltime_is_null_time(t))
      first_override = to_eas_time(t, zone ? zone : fallback);
  }
  if (!master) v.recurrence_id = first_override;
  return v;
}

void add_location(WbxmlElement& mr, const EasLocation& loc, ProtocolVersion v) {
  // MS-ASEMAIL 2.2.2.46: airsyncbase:Location replaces email:Location in 16.0 and 16.1.
  if (v < ProtocolVersion::v16_0()) {
    mr.add_text(em::kLocation, loc.display_name);
    return;
  }
  WbxmlElement& l = mr.add_child(base::kLocation);
  l.add_text(base::kDisplayName, loc.display_name);
  auto opt = [&](Tag t, const std::optional<std::string>& s) {
    if (s) l.add_text(t, *s);
  };
  opt(base::kAnnotation, loc.annotation);
  opt(base::kStreet, loc.street);
  opt(base::kCity, loc.city);
  opt(base::kState, loc.state);
  opt(base::kCountry, loc.country);
  opt(base::kPostalCode, loc.postal_code);
  if (loc.latitude) l.add_text(base::kLatitude, real(*loc.latitude));
  if (loc.longitude) l.add_text(base::kLongitude, real(*loc.longitude));
  opt(base::kLocationUri, loc.location_uri);
}

// MS-ASEMAIL 2.2.2.60 Recurrence: the email page's tags, Until as a dateTime (MS-ASDTYPE
// 2.3), the 14.x calendar options on the Email2 page.
void add_recurrence(WbxmlElement& mr, const EasRecurrence& r, ProtocolVersion v) {
  WbxmlElement& e = mr.add_child(em::kRecurrences).add_child(em::kRecurrence);
  e.add_text(em::kRecurrenceType, num(static_cast<int>(r.type)));
  e.add_text(em::kRecurrenceInterval, num(r.interval));
  if (r.until) e.add_text(em::kRecurrenceUntil, format_extended(*r.until));
  if (r.occurrences) e.add_text(em::kRecurrenceOccurrences, num(*r.occurrences));
  if (r.week_of_month) e.add_text(em::kRecurrenceWeekOfMonth, num(*r.week_of_month));
  if (r.day_of_month) e.add_text(em::kRecurrenceDayOfMonth, num(*r.day_of_month));
  if (r.day_of_week) e.add_text(em::kRecurrenceDayOfWeek, num(*r.day_of_week));
  if (r.month_of_year) e.add_text(em::kRecurrenceMonthOfYear, num(*r.month_of_year));
  if (v >= ProtocolVersion::v14_0()) {
    if (r.calendar_type) e.add_text(em2::kCalendarType, num(*r.calendar_type));
    if (r.is_leap_month) e.add_text(em2::kIsLeapMonth, *r.is_leap_month ? "1" : "0");
  }
  if (v >= ProtocolVersion::v14_1() && r.first_day_of_week)
    e.add_text(em2::kFirstDayOfWeek, num(*r.first_day_of_week));
}

// MS-ASEMAIL 2.2.2.47: 1 initial request, 2 full update (a later SEQUENCE), 0 otherwise.
int meeting_message_type(const EasMeetingRequest& m) {
  if (m.method != "REQUEST") return 0;
  return m.sequence > 0 ? 2 : 1;
}

}  // namespace

Result<EasMeetingRequest> meeting_request_from_ical(std::string_view ics,
                                                    const ConversionContext& context) {
  auto item = calendar_item_from_ical(ics, context);
  if (!item.is_ok()) return item.status();
  EasMeetingRequest m;
  m.item = std::move(item).value();
  ItipView itip = read_itip(ics, context);
  m.method = itip.method.empty() ? "REQUEST" : itip.method;
  m.sequence = itip.sequence;
  m.recurrence_id = itip.recurrence_id;
  if (m.recurrence_id)
    m.instance_type = MeetingInstanceType::kException;
  else if (m.item.recurrence)
    m.instance_type = MeetingInstanceType::kMaster;
  std::optional<CivilTime> day;
  if (m.recurrence_id) day = time_to_civil(*m.recurrence_id);
  m.global_obj_id = global_obj_id_from_uid(m.item.uid, day);
  return m;
}

void meeting_request_to_wbxml(const EasMeetingRequest& m, ProtocolVersion v,
                              WbxmlElement& email_item) {
  const EasCalendarItem& it = m.item;
  WbxmlElement& mr = email_item.add_child(em::kMeetingRequest);
  mr.add_text(em::kAllDayEvent, it.all_day_event ? "1" : "0");
  mr.add_text(em::kStartTime, format_extended(it.start_time));
  // DtStamp is required (MS-ASEMAIL 2.2.2.48); an object without one was stamped "now" by
  // its sender in effect, and the start time is the stable stand-in.
  mr.add_text(em::kDtStamp, format_extended(it.dt_stamp.value_or(it.start_time)));
  mr.add_text(em::kEndTime, format_extended(it.end_time));
  mr.add_text(em::kInstanceType, num(static_cast<int>(m.instance_type)));
  if (it.location) add_location(mr, *it.location, v);
  if (!it.organizer_email.empty()) {
    mr.add_text(em::kOrganizer, it.organizer_name.empty()
                                    ? it.organizer_email
                                    : "\"" + it.organizer_name + "\" <" + it.organizer_email + ">");
  }
  if (m.recurrence_id) mr.add_text(em::kRecurrenceId, format_extended(*m.recurrence_id));
  // MS-ASEMAIL 2.2.2.63: seconds before the start (the Calendar class counts minutes).
  if (it.reminder) mr.add_text(em::kReminder, num(int64_t{*it.reminder} * 60));
  // RFC 5546 3.2.2: a REQUEST asks for a reply unless the user's ATTENDEE says RSVP=FALSE.
  const bool wants_reply = m.method == "REQUEST" && it.response_requested.value_or(true);
  mr.add_text(em::kResponseRequested, wants_reply ? "1" : "0");
  if (it.recurrence && !m.recurrence_id) add_recurrence(mr, *it.recurrence, v);
  mr.add_text(em::kSensitivity, num(it.sensitivity.value_or(0)));
  // BusyStatus 4 (working elsewhere) is 16.0+ only (MS-ASEMAIL 2.2.2.13); busy before.
  int busy = it.busy_status.value_or(2);
  if (busy == 4 && v < ProtocolVersion::v16_0()) busy = 2;
  mr.add_text(em::kBusyStatus, num(busy));
  mr.add_text(em::kTimeZone, it.timezone_blob);
  mr.add_text(em::kGlobalObjId, m.global_obj_id);
  if (v >= ProtocolVersion::v14_0())
    mr.add_text(em::kDisallowNewTimeProposal,
                it.disallow_new_time_proposal.value_or(false) ? "1" : "0");
  if (v >= ProtocolVersion::v14_1())
    mr.add_text(em2::kMeetingMessageType, num(meeting_message_type(m)));
}

std::string global_obj_id_from_uid(std::string_view uid, std::optional<CivilTime> instance) {
  std::string out;
  if (auto bytes = outlook_id_bytes(uid)) {
    out = std::move(*bytes);
  } else {
    out.assign(reinterpret_cast<const char*>(kClassId), sizeof kClassId);
    out.append(4, '\0');  // INSTDATE, set below
    out.append(8, '\0');  // NOW: zero keeps the id stable (MS-ASEMAIL 4.3 example 2)
    out.append(8, '\0');  // RESERVED
    put_le32(out, static_cast<uint32_t>(kVcalMarker.size() + 4 + uid.size() + 1));
    out.append(kVcalMarker);
    put_le32(out, 1);  // VERSION
    out.append(uid);
    out += '\0';
  }
  // INSTDATE: YEARHIGH YEARLOW MONTH DATE of the occurrence, zero for the series.
  unsigned char date[4] = {0, 0, 0, 0};
  if (instance) {
    date[0] = static_cast<unsigned char>((instance->year >> 8) & 0xFF);
    date[1] = static_cast<unsigned char>(instance->year & 0xFF);
    date[2] = static_cast<unsigned char>(instance->month);
    date[3] = static_cast<unsigned char>(instance->day);
  }
  for (int i = 0; i < 4; ++i) out[16 + i] = static_cast<char>(date[i]);
  return base64_encode(out);
}

std::optional<std::string> uid_from_global_obj_id(std::string_view text) {
  std::string b;
  if (!base64_decode(text, &b) || b.size() < kHeaderSize) return std::nullopt;
  if (b.compare(0, 16, reinterpret_cast<const char*>(kClassId), 16) != 0) return std::nullopt;
  const uint32_t count = get_le32(b, kHeaderSize - 4);
  if (count != b.size() - kHeaderSize) return std::nullopt;
  std::string_view data(b.data() + kHeaderSize, count);
  if (data.substr(0, kVcalMarker.size()) == kVcalMarker) {
    // VCALID = "vCal-Uid" VERSION UID %x00.
    if (data.size() < kVcalMarker.size() + 5 || data.back() != '\0') return std::nullopt;
    return std::string(data.substr(kVcalMarker.size() + 4, data.size() - kVcalMarker.size() - 5));
  }
  // An Outlook id: INSTDATE zeroed, the whole value as upper-case hex (MS-ASEMAIL 4.3).
  for (size_t i = 16; i < 20; ++i) b[i] = '\0';
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string hex;
  hex.reserve(b.size() * 2);
  for (unsigned char c : b) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

}  // namespace easgate::ical
