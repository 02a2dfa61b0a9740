#include "backends/imap/imap_fetch.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace easgate {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_nstring(const ImapValue& v) {
  return v.kind == ImapValueKind::kString || v.kind == ImapValueKind::kNil;
}

// nstring = string / nil (RFC 3501 9); NIL becomes "".
Status nstring(const ImapValue& v, std::string* out, const char* what) {
  if (!is_nstring(v)) return Status::malformed(std::string(what) + ": expected a string or NIL");
  *out = v.text;
  return Status::ok();
}

Status read_number(const ImapValue& v, uint64_t* out, const char* what) {
  auto n = v.as_number();
  if (!n) return Status::malformed(std::string(what) + ": expected a number");
  *out = *n;
  return Status::ok();
}

// address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
// A list of them, or NIL. RFC 3501 7.4.2: host NIL with a mailbox starts a group (mailbox
// is the group name); host and mailbox NIL end it.
Status address_list(const ImapValue& v, std::vector<Address>* out) {
  if (v.kind == ImapValueKind::kNil) return Status::ok();
  if (!v.is_list()) return Status::malformed("envelope address: expected a list or NIL");
  std::string group;
  for (const ImapValue& a : v.items) {
    if (!a.is_list() || a.items.size() != 4)
      return Status::malformed("envelope address: expected (name adl mailbox host)");
    for (const ImapValue& f : a.items)
      if (!is_nstring(f)) return Status::malformed("envelope address: expected nstrings");
    const ImapValue& mailbox = a.items[2];
    const ImapValue& host = a.items[3];
    if (host.kind == ImapValueKind::kNil) {
      group = mailbox.kind == ImapValueKind::kNil ? std::string() : mailbox.text;
      continue;
    }
    Address addr;
    addr.name = a.items[0].text;
    addr.mailbox = mailbox.text;
    addr.host = host.text;
    addr.group = group;
    out->push_back(std::move(addr));
  }
  return Status::ok();
}

// body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
Status params(const ImapValue& v, std::vector<std::pair<std::string, std::string>>* out) {
  if (v.kind == ImapValueKind::kNil) return Status::ok();
  if (!v.is_list() || v.items.empty() || v.items.size() % 2 != 0)
    return Status::malformed("body parameters: expected (name value ...) or NIL");
  for (size_t i = 0; i < v.items.size(); i += 2) {
    if (v.items[i].kind != ImapValueKind::kString || v.items[i + 1].kind != ImapValueKind::kString)
      return Status::malformed("body parameters: expected strings");
    out->emplace_back(lower(v.items[i].text), v.items[i + 1].text);
  }
  return Status::ok();
}

// Extension data shared by both part kinds after md5 / params:
// [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
Status extension_tail(const std::vector<ImapValue>& items, size_t i, BodyStructure* b) {
  if (i < items.size()) {  // body-fld-dsp = "(" string SP body-fld-param ")" / nil
    const ImapValue& d = items[i++];
    if (d.is_list()) {
      if (d.items.size() != 2 || d.items[0].kind != ImapValueKind::kString)
        return Status::malformed("body disposition: expected (type params)");
      b->disposition = lower(d.items[0].text);
      Status st = params(d.items[1], &b->disposition_params);
      if (!st) return st;
    } else if (d.kind != ImapValueKind::kNil) {
      return Status::malformed("body disposition: expected a list or NIL");
    }
  }
  if (i < items.size()) {  // body-fld-lang = nstring / "(" string *(SP string) ")"
    const ImapValue& l = items[i++];
    if (l.kind == ImapValueKind::kString) {
      b->language.push_back(l.text);
    } else if (l.is_list()) {
      for (const ImapValue& t : l.items) {
        if (t.kind != ImapValueKind::kString)
          return Status::malformed("body language: expected strings");
        b->language.push_back(t.text);
      }
    } else if (l.kind != ImapValueKind::kNil) {
      return Status::malformed("body language: expected a string, list or NIL");
    }
  }
  if (i < items.size()) {  // body-fld-loc = nstring
    Status st = nstring(items[i++], &b->location, "body location");
    if (!st) return st;
  }
  // Further body-extension values are future extensions: skipped by design (RFC 3501 9).
  return Status::ok();
}

// `number`: this part's section number ("" for the message itself); `message_body`: the
// part is the body of a message (top level or inside message/rfc822).
Status body(const ImapValue& v, const std::string& number, bool message_body, BodyStructure* b);

Status multipart(const ImapValue& v, const std::string& number, bool message_body,
                 BodyStructure* b) {
  // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
  const auto& items = v.items;
  size_t i = 0;
  while (i < items.size() && items[i].is_list()) ++i;
  if (i == 0 || i >= items.size() || items[i].kind != ImapValueKind::kString)
    return Status::malformed("multipart body: expected parts then a subtype string");
  b->type = "multipart";
  b->subtype = lower(items[i].text);
  // RFC 3501 6.4.5: the parts of a multipart are numbered 1..n under the multipart's own
  // number; a multipart that is a message's body has no number and fetches as TEXT.
  if (message_body)
    b->part = number.empty() ? "TEXT" : number + ".TEXT";
  else
    b->part = number;
  for (size_t k = 0; k < i; ++k) {
    std::string child = (number.empty() ? "" : number + ".") + std::to_string(k + 1);
    BodyStructure c;
    Status st = body(items[k], child, false, &c);
    if (!st) return st;
    b->children.push_back(std::move(c));
  }
  ++i;
  if (i < items.size()) {  // body-ext-mpart = body-fld-param [...]
    Status st = params(items[i++], &b->params);
    if (!st) return st;
  }
  return extension_tail(items, i, b);
}

Status single_part(const ImapValue& v, const std::string& number, BodyStructure* b) {
  // body-type-1part: media-type SP body-fields [type-specific] [SP body-ext-1part]
  const auto& items = v.items;
  if (items.size() < 7) return Status::malformed("body part: too few fields");
  if (items[0].kind != ImapValueKind::kString || items[1].kind != ImapValueKind::kString)
    return Status::malformed("body part: type and subtype must be strings");
  b->type = lower(items[0].text);
  b->subtype = lower(items[1].text);
  b->part = number;
  Status st = params(items[2], &b->params);
  if (st) st = nstring(items[3], &b->id, "body id");
  if (st) st = nstring(items[4], &b->description, "body description");
  if (st && items[5].kind != ImapValueKind::kString)
    st = Status::malformed("body encoding: expected a string");
  if (!st) return st;
  b->encoding = lower(items[5].text);
  st = read_number(items[6], &b->size, "body size");
  if (!st) return st;
  size_t i = 7;
  // RFC 3501 9 body-type-msg; RFC 9051 adds message/global with the same shape.
  if (b->type == "message" && (b->subtype == "rfc822" || b->subtype == "global")) {
    if (items.size() < 10) return Status::malformed("message/rfc822 part: too few fields");
    auto env = parse_envelope(items[7]);
    if (!env) return env.status();
    b->message_envelope = std::move(env).value();
    BodyStructure inner;
    st = body(items[8], number, true, &inner);
    if (!st) return st;
    // A single-part body of an encapsulated message is that message's part 1.
    b->children.push_back(std::move(inner));
    st = read_number(items[9], &b->lines, "body lines");
    if (!st) return st;
    i = 10;
  } else if (b->type == "text") {
    if (items.size() < 8) return Status::malformed("text part: missing line count");
    st = read_number(items[7], &b->lines, "body lines");
    if (!st) return st;
    i = 8;
  }
  if (i < items.size()) {  // body-fld-md5 = nstring
    st = nstring(items[i++], &b->md5, "body md5");
    if (!st) return st;
  }
  return extension_tail(items, i, b);
}

Status body(const ImapValue& v, const std::string& number, bool message_body, BodyStructure* b) {
  if (!v.is_list() || v.items.empty()) return Status::malformed("body: expected a list");
  if (v.items[0].is_list()) return multipart(v, number, message_body, b);
  // A single part that is the whole message (or an encapsulated message's body) is part 1.
  std::string n = number;
  if (message_body) n = number.empty() ? "1" : number + ".1";
  return single_part(v, n, b);
}

int month_index(std::string_view m) {
  static const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                  "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  std::string u = upper(m);
  for (int i = 0; i < 12; ++i)
    if (u == kMonths[i]) return i;
  return -1;
}

const char* month_name(int i) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return kMonths[i];
}

bool valid_keyword(std::string_view k) {
  // flag-keyword = atom (RFC 3501 9); "\" would make it a system flag.
  if (k.empty() || k[0] == '\\') return false;
  for (char c : k) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' ||
        c == '"' || c == '\\' || c == ']')
      return false;
  }
  return true;
}

}  // namespace

Result<MessageFlags> parse_flags(const ImapValue& list) {
  if (!list.is_list()) return Status::malformed("FLAGS: expected a list");
  MessageFlags f;
  for (const ImapValue& v : list.items) {
    if (v.kind != ImapValueKind::kAtom) return Status::malformed("FLAGS: expected atoms");
    std::string u = upper(v.text);
    if (u == "\\SEEN")
      f.seen = true;
    else if (u == "\\FLAGGED")
      f.flagged = true;
    else if (u == "\\ANSWERED")
      f.answered = true;
    else if (u == "\\DELETED")
      f.deleted = true;
    else if (u == "\\DRAFT")
      f.draft = true;
    else if (u == "$FORWARDED")
      f.forwarded = true;
    else if (u == "\\RECENT" || u[0] == '\\')
      continue;  // session state / unknown system flag
    else
      f.keywords.push_back(v.text);
  }
  return f;
}

Result<Envelope> parse_envelope(const ImapValue& v) {
  // envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
  //            env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
  if (!v.is_list() || v.items.size() != 10)
    return Status::malformed("ENVELOPE: expected a list of 10 fields");
  Envelope e;
  const auto& it = v.items;
  Status st = nstring(it[0], &e.date, "ENVELOPE date");
  if (st) st = nstring(it[1], &e.subject, "ENVELOPE subject");
  if (st) st = address_list(it[2], &e.from);
  if (st) st = address_list(it[3], &e.sender);
  if (st) st = address_list(it[4], &e.reply_to);
  if (st) st = address_list(it[5], &e.to);
  if (st) st = address_list(it[6], &e.cc);
  if (st) st = address_list(it[7], &e.bcc);
  if (st) st = nstring(it[8], &e.in_reply_to, "ENVELOPE in-reply-to");
  if (st) st = nstring(it[9], &e.message_id, "ENVELOPE message-id");
  if (!st) return st;
  return e;
}

Result<BodyStructure> parse_body_structure(const ImapValue& v) {
  BodyStructure b;
  Status st = body(v, "", true, &b);
  if (!st) return std::move(st).prefixed("BODYSTRUCTURE");
  return b;
}

Result<int64_t> parse_internal_date(std::string_view s) {
  // date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
  // date-day-fixed = (SP DIGIT) / 2DIGIT; zone = ("+" / "-") 4DIGIT
  char day_s[3] = {}, mon[4] = {}, sign = 0;
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0, zone = 0, used = 0;
  std::string text(s);
  if (text.size() == 26 && text[0] == ' ') text[0] = '0';
  if (text.size() != 26 ||
      std::sscanf(text.c_str(), "%2c-%3c-%4d %2d:%2d:%2d %c%4d%n", day_s, mon, &year, &hh, &mm, &ss,
                  &sign, &zone, &used) != 8 ||
      used != 26 || (sign != '+' && sign != '-'))
    return Status::malformed("INTERNALDATE: expected dd-Mon-yyyy hh:mm:ss +zzzz");
  if (!std::isdigit(static_cast<unsigned char>(day_s[0])) ||
      !std::isdigit(static_cast<unsigned char>(day_s[1])))
    return Status::malformed("INTERNALDATE: bad day");
  day = (day_s[0] - '0') * 10 + (day_s[1] - '0');
  int m = month_index(std::string_view(mon, 3));
  if (m < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || zone % 100 > 59 ||
      year < 1900 || year > 9999)
    return Status::malformed("INTERNALDATE: field out of range");
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = m;
  tm.tm_mday = day;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  int64_t t = static_cast<int64_t>(timegm(&tm));
  int64_t offset = (zone / 100) * 3600 + (zone % 100) * 60;
  return sign == '+' ? t - offset : t + offset;
}

Result<ImapFetchData> parse_fetch_response(const ImapResponse& r) {
  // message-data = nz-number SP "FETCH" SP msg-att; msg-att = "(" att SP value ... ")"
  if (r.keyword != "FETCH" || !r.has_number || r.values.size() != 1 || !r.values[0].is_list() ||
      r.values[0].items.size() % 2 != 0)
    return Status::malformed("FETCH response: expected n FETCH (name value ...)");
  ImapFetchData d;
  d.seq = r.number;
  const auto& items = r.values[0].items;
  for (size_t i = 0; i < items.size(); i += 2) {
    const ImapValue& key = items[i];
    const ImapValue& val = items[i + 1];
    if (key.kind != ImapValueKind::kAtom)
      return Status::malformed("FETCH response: bad attribute name");
    std::string name = upper(key.text);
    if (name == "UID") {
      auto n = val.as_number();
      if (!n || *n == 0 || *n > UINT32_MAX) return Status::malformed("FETCH response: bad UID");
      d.uid = static_cast<uint32_t>(*n);
    } else if (name == "FLAGS") {
      auto f = parse_flags(val);
      if (!f) return f.status();
      d.flags = std::move(f).value();
    } else if (name == "MODSEQ") {
      // fetch-mod-resp = "MODSEQ" SP "(" permsg-modsequence ")" (RFC 7162 7)
      if (!val.is_list() || val.items.size() != 1 || !val.items[0].as_number())
        return Status::malformed("FETCH response: bad MODSEQ");
      d.modseq = *val.items[0].as_number();
    } else if (name == "INTERNALDATE") {
      if (val.kind != ImapValueKind::kString)
        return Status::malformed("FETCH response: bad INTERNALDATE");
      auto t = parse_internal_date(val.text);
      if (!t) return t.status();
      d.internal_date = *t;
    } else if (name == "RFC822.SIZE") {
      auto n = val.as_number();
      if (!n) return Status::malformed("FETCH response: bad RFC822.SIZE");
      d.size = *n;
    } else if (name == "ENVELOPE") {
      auto e = parse_envelope(val);
      if (e)
        d.envelope = std::move(e).value();
      else
        d.parse_error += e.status().message() + "; ";
    } else if (name == "BODYSTRUCTURE" || name == "BODY") {
      auto b = parse_body_structure(val);
      if (b)
        d.body = std::move(b).value();
      else
        d.parse_error += b.status().message() + "; ";
    } else if (name.rfind("BODY[", 0) == 0 || name.rfind("BINARY[", 0) == 0) {
      size_t open = name.find('[');
      size_t close = name.rfind(']');
      if (close == std::string::npos || close < open)
        return Status::malformed("FETCH response: bad section");
      if (!is_nstring(val))
        return Status::malformed("FETCH response: section data must be a string");
      d.sections.emplace_back(key.text.substr(open + 1, close - open - 1), val.text);
    }
    // Other attributes (X-GM-*, PREVIEW, SAVEDATE ...) are not asked for; ignored.
  }
  if (!d.parse_error.empty()) d.parse_error.resize(d.parse_error.size() - 2);
  return d;
}

bool flags_empty(const MessageFlags& f) {
  return !f.seen && !f.flagged && !f.answered && !f.forwarded && !f.deleted && !f.draft &&
         f.keywords.empty();
}

Result<std::string> imap_flag_list(const MessageFlags& f) {
  std::string out;
  auto add = [&](std::string_view s) {
    if (!out.empty()) out += ' ';
    out.append(s);
  };
  if (f.seen) add("\\Seen");
  if (f.flagged) add("\\Flagged");
  if (f.answered) add("\\Answered");
  if (f.forwarded) add("$Forwarded");
  if (f.deleted) add("\\Deleted");
  if (f.draft) add("\\Draft");
  for (const std::string& k : f.keywords) {
    if (!valid_keyword(k)) return Status::invalid_argument("not a valid IMAP keyword: " + k);
    add(k);
  }
  return out;
}

std::string imap_search_date(int64_t epoch) {
  time_t t = static_cast<time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d-%s-%d", tm.tm_mday, month_name(tm.tm_mon), tm.tm_year + 1900);
  return buf;
}

std::string imap_date_time(int64_t epoch) {
  time_t t = static_cast<time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02d-%s-%04d %02d:%02d:%02d +0000", tm.tm_mday,
                month_name(tm.tm_mon), tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace easgate
