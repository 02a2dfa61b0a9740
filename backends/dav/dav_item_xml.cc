#include "backends/dav/dav_item_xml.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace easgate {

namespace {

constexpr const char* kXmlHead = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

std::string utc_stamp(std::chrono::sys_seconds t) {
  const std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

bool two_digits(std::string_view s, size_t pos, int* out) {
  if (pos + 2 > s.size() || !std::isdigit(static_cast<unsigned char>(s[pos])) ||
      !std::isdigit(static_cast<unsigned char>(s[pos + 1]))) {
    return false;
  }
  *out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  return true;
}

// RFC 5545 section 3.3.5 form 2 (UTC): 19980119T070000Z.
bool parse_utc(std::string_view s, std::chrono::sys_seconds* out) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
  int c = 0, y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!two_digits(s, 0, &c) || !two_digits(s, 2, &y) || !two_digits(s, 4, &mo) ||
      !two_digits(s, 6, &d) || !two_digits(s, 9, &h) || !two_digits(s, 11, &mi) ||
      !two_digits(s, 13, &se)) {
    return false;
  }
  using namespace std::chrono;
  const year_month_day ymd{year{c * 100 + y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return false;
  *out = sys_days{ymd} + hours{h} + minutes{mi} + seconds{se};
  return true;
}

// RFC 5545 section 3.3.6: [+]P[nW] or P[nD][T[nH][nM][nS]]; negative durations refused.
bool parse_duration(std::string_view s, std::chrono::seconds* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() != 'P') return false;
  s.remove_prefix(1);
  long long total = 0;
  long long n = 0;
  bool have_digit = false;
  bool in_time = false;
  for (char ch : s) {
    if (std::isdigit(static_cast<unsigned char>(ch))) {
      n = n * 10 + (ch - '0');
      if (n > 100000000) return false;
      have_digit = true;
      continue;
    }
    if (ch == 'T') {
      in_time = true;
      continue;
    }
    if (!have_digit) return false;
    switch (ch) {
      case 'W': total += n * 7 * 86400; break;
      case 'D': total += n * 86400; break;
      case 'H': if (!in_time) return false; total += n * 3600; break;
      case 'M': if (!in_time) return false; total += n * 60; break;
      case 'S': if (!in_time) return false; total += n; break;
      default: return false;
    }
    n = 0;
    have_digit = false;
  }
  if (have_digit) return false;
  *out = std::chrono::seconds(total);
  return true;
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string sync_collection_body(const std::string& sync_token) {
  return std::string(kXmlHead) +
         "<D:sync-collection xmlns:D=\"DAV:\">" +
         (sync_token.empty() ? std::string("<D:sync-token/>")
                             : "<D:sync-token>" + xml_escape(sync_token) + "</D:sync-token>") +
         "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>";
}

std::string multiget_body(CollectionKind kind, const std::vector<std::string>& hrefs) {
  const bool contacts = kind == CollectionKind::kContacts;
  std::string out = kXmlHead;
  out += contacts ? "<C:addressbook-multiget xmlns:D=\"DAV:\" "
                    "xmlns:C=\"urn:ietf:params:xml:ns:carddav\">"
                  : "<C:calendar-multiget xmlns:D=\"DAV:\" "
                    "xmlns:C=\"urn:ietf:params:xml:ns:caldav\">";
  out += contacts ? "<D:prop><D:getetag/><C:address-data/></D:prop>"
                  : "<D:prop><D:getetag/><C:calendar-data/></D:prop>";
  for (const auto& h : hrefs) out += "<D:href>" + xml_escape(h) + "</D:href>";
  out += contacts ? "</C:addressbook-multiget>" : "</C:calendar-multiget>";
  return out;
}

std::string text_query_body(CollectionKind kind, const DavTextQuery& query) {
  std::string out = kXmlHead;
  if (kind == CollectionKind::kContacts) {
    // RFC 6352 section 10.5.4: the default collation is i;unicode-casemap (case-blind).
    const char* match = query.match == DavTextQuery::Match::kEquals       ? "equals"
                        : query.match == DavTextQuery::Match::kStartsWith ? "starts-with"
                                                                          : "contains";
    out += "<C:addressbook-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:carddav\">"
           "<D:prop><D:getetag/><C:address-data/></D:prop><C:filter test=\"anyof\">";
    for (const auto& t : query.terms) {
      out += "<C:prop-filter name=\"" + xml_escape(t.property) + "\"><C:text-match match-type=\"" +
             match + "\">" + xml_escape(t.text) + "</C:text-match></C:prop-filter>";
    }
    return out + "</C:filter></C:addressbook-query>";
  }
  // RFC 4791 section 9.7.5: substring match, i;ascii-casemap by default.
  out += "<C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
         "<D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter>"
         "<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"" +
         xml_escape(query.component) + "\">";
  for (const auto& t : query.terms) {
    out += "<C:prop-filter name=\"" + xml_escape(t.property) + "\"><C:text-match>" +
           xml_escape(t.text) + "</C:text-match></C:prop-filter>";
  }
  return out + "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>";
}

std::string make_collection_body(CollectionKind kind, const std::string& display_name) {
  const std::string name = "<D:displayname>" + xml_escape(display_name) + "</D:displayname>";
  if (kind == CollectionKind::kContacts) {
    return std::string(kXmlHead) +
           "<D:mkcol xmlns:D=\"DAV:\" xmlns:CR=\"urn:ietf:params:xml:ns:carddav\"><D:set><D:prop>"
           "<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>" +
           name + "</D:prop></D:set></D:mkcol>";
  }
  const char* comp = kind == CollectionKind::kTasks   ? "VTODO"
                     : kind == CollectionKind::kNotes ? "VJOURNAL"
                                                      : "VEVENT";
  return std::string(kXmlHead) +
         "<C:mkcalendar xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:set><D:prop>" +
         name + "<C:supported-calendar-component-set><C:comp name=\"" + comp +
         "\"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>";
}

std::string displayname_patch_body(const std::string& display_name) {
  return std::string(kXmlHead) +
         "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><D:displayname>" +
         xml_escape(display_name) + "</D:displayname></D:prop></D:set></D:propertyupdate>";
}

std::string free_busy_query_body(std::chrono::sys_seconds start, std::chrono::sys_seconds end) {
  return std::string(kXmlHead) +
         "<C:free-busy-query xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><C:time-range start=\"" +
         utc_stamp(start) + "\" end=\"" + utc_stamp(end) + "\"/></C:free-busy-query>";
}

Result<std::vector<BusyInterval>> parse_free_busy(std::string_view ical) {
  // Unfold (RFC 5545 section 3.1) into logical lines.
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < ical.size()) {
    size_t end = ical.find('\n', pos);
    if (end == std::string_view::npos) end = ical.size();
    std::string_view line = ical.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && !lines.empty()) {
      lines.back().append(line.substr(1));
    } else {
      lines.emplace_back(line);
    }
  }
  if (lines.empty() || lines.front() != "BEGIN:VCALENDAR") {
    return Status::malformed("free-busy answer is not iCalendar");
  }
  std::vector<BusyInterval> out;
  for (const auto& line : lines) {
    if (line.rfind("FREEBUSY", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return Status::malformed("FREEBUSY line without ':'");
    std::string params = line.substr(8, colon - 8);
    for (char& c : params) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    BusyInterval::Kind kind = BusyInterval::Kind::kBusy;
    if (params.find("FBTYPE=FREE") != std::string::npos) continue;
    if (params.find("FBTYPE=BUSY-TENTATIVE") != std::string::npos) {
      kind = BusyInterval::Kind::kTentative;
    } else if (params.find("FBTYPE=BUSY-UNAVAILABLE") != std::string::npos) {
      kind = BusyInterval::Kind::kUnavailable;
    }
    std::string_view periods = std::string_view(line).substr(colon + 1);
    while (!periods.empty()) {
      size_t comma = periods.find(',');
      std::string_view period = periods.substr(0, comma);
      periods = comma == std::string_view::npos ? std::string_view() : periods.substr(comma + 1);
      const size_t slash = period.find('/');
      BusyInterval b;
      b.kind = kind;
      if (slash == std::string_view::npos || !parse_utc(period.substr(0, slash), &b.start)) {
        return Status::malformed("bad FREEBUSY period");
      }
      std::string_view second = period.substr(slash + 1);
      std::chrono::seconds duration;
      if (parse_utc(second, &b.end)) {
      } else if (parse_duration(second, &duration)) {
        b.end = b.start + duration;
      } else {
        return Status::malformed("bad FREEBUSY period end");
      }
      if (b.end > b.start) out.push_back(b);
    }
  }
  merge_busy(&out);
  return out;
}

void merge_busy(std::vector<BusyInterval>* v) {
  std::sort(v->begin(), v->end(), [](const BusyInterval& a, const BusyInterval& b) {
    return a.start != b.start ? a.start < b.start : a.kind < b.kind;
  });
  std::vector<BusyInterval> out;
  for (const auto& b : *v) {
    if (!out.empty() && out.back().kind == b.kind && b.start <= out.back().end) {
      out.back().end = std::max(out.back().end, b.end);
    } else {
      out.push_back(b);
    }
  }
  *v = std::move(out);
}

bool names_valid_sync_token(std::string_view body) {
  return body.find("valid-sync-token") != std::string_view::npos;
}

bool report_unsupported(int http_status, std::string_view body) {
  if (http_status == 405 || http_status == 501) return true;
  return (http_status == 403 || http_status == 400) &&
         body.find("supported-report") != std::string_view::npos;
}

}  // namespace easgate
