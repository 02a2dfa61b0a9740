#include "backends/mime/email_fields.h"

#include <ctime>

#include "backends/mime/charset.h"

namespace easgate::mime {
namespace {

// Seconds between 1601-01-01 (FILETIME epoch) and 1970-01-01.
constexpr int64_t kFiletimeEpochOffset = 11644473600LL;

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = g_ascii_tolower(c);
  return out;
}

std::string trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && g_ascii_isspace(s[b])) ++b;
  while (e > b && g_ascii_isspace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

template <typename Fn>
void for_each_mailbox(InternetAddressList* list, Fn&& fn, int depth = 0) {
  if (!list || depth > 4) return;  // groups do not nest in RFC 5322; stay bounded anyway
  int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
      fn(INTERNET_ADDRESS_MAILBOX(a));
    } else if (INTERNET_ADDRESS_IS_GROUP(a)) {
      for_each_mailbox(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), fn,
                       depth + 1);
    }
  }
}

std::string mailbox_addr(InternetAddressMailbox* m) {
  const char* addr = internet_address_mailbox_get_addr(m);
  return addr ? make_valid_utf8(addr) : std::string();
}

std::string mailbox_name(InternetAddressMailbox* m) {
  const char* name = internet_address_get_name(INTERNET_ADDRESS(m));
  return name ? trim(make_valid_utf8(name)) : std::string();
}

Importance importance_of(GMimeObject* headers) {
  std::string importance = lower_ascii(trim(header_utf8(headers, "Importance")));
  if (importance == "high") return Importance::kHigh;
  if (importance == "low") return Importance::kLow;
  if (importance == "normal") return Importance::kNormal;
  // X-Priority: 1 (highest) .. 5 (lowest), often "1 (Highest)".
  std::string priority = trim(header_utf8(headers, "X-Priority"));
  if (!priority.empty() && g_ascii_isdigit(priority[0])) {
    int p = priority[0] - '0';
    if (p == 1 || p == 2) return Importance::kHigh;
    if (p == 4 || p == 5) return Importance::kLow;
    return Importance::kNormal;
  }
  std::string ms = lower_ascii(trim(header_utf8(headers, "X-MSMail-Priority")));
  if (ms == "high") return Importance::kHigh;
  if (ms == "low") return Importance::kLow;
  return Importance::kNormal;
}

// iCalendar METHOD of the calendar part: the Content-Type parameter (RFC 6047 2.4), or
// the METHOD property of the object itself.
std::string calendar_method(GMimeObject* part, std::string_view text) {
  const char* param = g_mime_object_get_content_type_parameter(part, "method");
  if (param) return lower_ascii(trim(param));
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (line.size() > 7 && g_ascii_strncasecmp(line.data(), "METHOD:", 7) == 0) {
      return lower_ascii(trim(line.substr(7)));
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return {};
}

// MS-ASEMAIL 2.2.2.49: the class of a meeting response follows the attendee's PARTSTAT.
std::string reply_class(std::string_view text) {
  std::string lower = lower_ascii(text);
  if (lower.find("partstat=accepted") != std::string::npos) {
    return "IPM.Schedule.Meeting.Resp.Pos";
  }
  if (lower.find("partstat=declined") != std::string::npos) {
    return "IPM.Schedule.Meeting.Resp.Neg";
  }
  return "IPM.Schedule.Meeting.Resp.Tent";
}

std::string strip_angles(std::string_view id) {
  std::string s = trim(id);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return s;
}

// The thread root per RFC 5322 3.6.4: the first References id, else In-Reply-To.
std::string thread_root(GMimeMessage* message) {
  GMimeObject* headers = GMIME_OBJECT(message);
  for (const char* name : {"References", "In-Reply-To"}) {
    const char* value = g_mime_object_get_header(headers, name);
    if (!value) continue;
    GMimeReferences* refs = g_mime_references_parse(nullptr, value);
    if (!refs) continue;
    std::string first;
    if (g_mime_references_length(refs) > 0) first = g_mime_references_get_message_id(refs, 0);
    g_mime_references_free(refs);
    if (!first.empty()) return first;
  }
  const char* own = g_mime_message_get_message_id(message);
  return own ? std::string(own) : std::string();
}

}  // namespace

std::string format_address_list(InternetAddressList* list) {
  std::string out;
  for_each_mailbox(list, [&](InternetAddressMailbox* m) {
    std::string addr = mailbox_addr(m);
    if (addr.empty()) return;
    std::string name = mailbox_name(m);
    if (!out.empty()) out.append(", ");
    if (name.empty() || name == addr) {
      out.append(addr);
      return;
    }
    out.push_back('"');
    for (char c : name) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.append("\" <").append(addr).append(">");
  });
  return out;
}

std::string format_eas_date(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

std::string normalize_subject(std::string_view subject) {
  static constexpr std::string_view kPrefixes[] = {"re",  "fwd", "fw",   "aw",  "wg",
                                                   "sv",  "vs",  "antw", "tr",  "rif",
                                                   "ref", "odp", "vl",   "enc", "res"};
  std::string s = trim(subject);
  for (int round = 0; round < 16; ++round) {
    bool stripped = false;
    for (auto prefix : kPrefixes) {
      if (s.size() <= prefix.size() ||
          g_ascii_strncasecmp(s.data(), prefix.data(), prefix.size()) != 0) {
        continue;
      }
      size_t pos = prefix.size();
      if (pos < s.size() && s[pos] == '[') {  // "Re[2]:"
        size_t close = s.find(']', pos);
        if (close == std::string::npos || close - pos > 4) continue;
        pos = close + 1;
      }
      if (pos < s.size() && s[pos] == ':') {
        s = trim(std::string_view(s).substr(pos + 1));
        stripped = true;
        break;
      }
    }
    if (!stripped) break;
  }
  return s;
}

std::string conversation_id_for(std::string_view root_message_id) {
  std::string key = lower_ascii(strip_angles(root_message_id));
  GChecksum* sum = g_checksum_new(G_CHECKSUM_MD5);
  g_checksum_update(sum, reinterpret_cast<const guchar*>(key.data()),
                    static_cast<gssize>(key.size()));
  guint8 digest[16];
  gsize len = sizeof(digest);
  g_checksum_get_digest(sum, digest, &len);
  g_checksum_free(sum);
  return std::string(reinterpret_cast<const char*>(digest), len);
}

std::string conversation_index_header(int64_t unix_seconds) {
  uint64_t filetime = static_cast<uint64_t>(unix_seconds + kFiletimeEpochOffset) * 10000000ULL;
  uint64_t bits = (filetime >> 24) & 0xFFFFFFFFFFULL;
  std::string out(5, '\0');
  for (int i = 4; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(bits & 0xFF);
    bits >>= 8;
  }
  return out;
}

EasEmailFields extract_email_fields(const MimeMessage& message, const EmailContext& context) {
  EasEmailFields f;
  GMimeMessage* m = message.gmime();
  GMimeObject* headers = GMIME_OBJECT(m);

  InternetAddressList* to = g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO);
  InternetAddressList* cc = g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_CC);
  f.to = format_address_list(to);
  f.cc = format_address_list(cc);
  // MS-ASEMAIL 2.2.2.36: From is one sender; keep the first mailbox of a multi-From.
  InternetAddressList* from = g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_FROM);
  std::string from_addr;
  for_each_mailbox(from, [&](InternetAddressMailbox* mb) {
    if (!from_addr.empty()) return;
    from_addr = mailbox_addr(mb);
    InternetAddressList* one = internet_address_list_new();
    internet_address_list_add(one, INTERNET_ADDRESS(mb));
    f.from = format_address_list(one);
    g_object_unref(one);
  });
  f.reply_to = format_address_list(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_REPLY_TO));
  const char* subject = g_mime_message_get_subject(m);
  f.subject = subject ? make_valid_utf8(subject) : std::string();

  if (context.internal_date) {
    f.date_received = *context.internal_date;
  } else if (GDateTime* date = g_mime_message_get_date(m)) {
    f.date_received = g_date_time_to_unix(date);
  }

  for_each_mailbox(to, [&](InternetAddressMailbox* mb) {
    std::string name = mailbox_name(mb);
    if (name.empty()) name = mailbox_addr(mb);
    if (name.empty()) return;
    if (!f.display_to.empty()) f.display_to.append("; ");
    f.display_to.append(name);
  });

  std::string topic = trim(header_utf8(headers, "Thread-Topic"));
  f.thread_topic = topic.empty() ? normalize_subject(f.subject) : topic;
  f.importance = importance_of(headers);

  f.message_class = "IPM.Note";
  f.content_class = "urn:content-classes:message";
  if (message.smime_encrypted()) {
    f.message_class = "IPM.Note.SMIME";  // MS-ASEMAIL 2.2.2.49: encrypted or opaque-signed
  } else if (message.smime_signed()) {
    f.message_class = "IPM.Note.SMIME.MultipartSigned";
  } else if (const MimePart* cal = message.calendar()) {
    f.calendar = decoded_text(cal->object);
    std::string method = calendar_method(cal->object, f.calendar);
    if (method == "request") {
      f.message_class = "IPM.Schedule.Meeting.Request";
    } else if (method == "cancel") {
      f.message_class = "IPM.Schedule.Meeting.Canceled";
    } else if (method == "reply") {
      f.message_class = reply_class(f.calendar);
    }
    if (f.message_class != "IPM.Note") f.content_class = "urn:content-classes:calendarmessage";
  }
  if (trim(header_utf8(headers, kMessageClassHeader)) == kSmsMessageClass) {
    f.message_class = kSmsMessageClass;
    f.content_class = "urn:content-classes:message";
    std::string sms_from = trim(header_utf8(headers, kSmsFromHeader));
    std::string sms_to = trim(header_utf8(headers, kSmsToHeader));
    if (!sms_from.empty()) f.from = sms_from;
    if (!sms_to.empty()) f.to = f.display_to = sms_to;
  }
  f.native_body_type = message.html_body() ? NativeBodyType::kHtml : NativeBodyType::kPlain;

  const char* own_id = g_mime_message_get_message_id(m);
  f.message_id = own_id ? make_valid_utf8(own_id) : std::string();

  // MS-ASCON 2.2.2.3/2.2.2.4. Outlook's Thread-Index carries the conversation GUID and the
  // index (22-byte header + 5-byte response levels, MS-OXOMSG 2.2.1.3); without it the
  // thread root's Message-ID names the conversation and the Date starts the index.
  std::string thread_index = trim(header_utf8(headers, "Thread-Index"));
  bool from_thread_index = false;
  if (!thread_index.empty() && thread_index.size() < 4096) {
    gsize len = 0;
    guchar* raw = g_base64_decode(thread_index.c_str(), &len);
    if (raw && len >= 22) {
      f.conversation_id.assign(reinterpret_cast<const char*>(raw) + 6, 16);
      f.conversation_index.assign(reinterpret_cast<const char*>(raw) + 1, 5);
      size_t levels = (len - 22) / 5;
      f.conversation_index.append(reinterpret_cast<const char*>(raw) + 22, levels * 5);
      from_thread_index = true;
    }
    g_free(raw);
  }
  if (!from_thread_index) {
    std::string root = thread_root(m);
    f.conversation_id = conversation_id_for(root.empty() ? f.thread_topic : root);
    int64_t sent = f.date_received;
    if (GDateTime* date = g_mime_message_get_date(m)) sent = g_date_time_to_unix(date);
    f.conversation_index = conversation_index_header(sent);
  }

  if (!context.user_addresses.empty()) {
    bool addressed = false;
    auto check = [&](InternetAddressMailbox* mb) {
      std::string addr = lower_ascii(mailbox_addr(mb));
      for (const auto& mine : context.user_addresses) {
        if (addr == lower_ascii(mine)) addressed = true;
      }
    };
    for_each_mailbox(to, check);
    for_each_mailbox(cc, check);
    f.received_as_bcc = !addressed;
  }

  InternetAddressList* sender = g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_SENDER);
  std::string sender_addr;
  for_each_mailbox(sender, [&](InternetAddressMailbox* mb) {
    if (sender_addr.empty()) sender_addr = mailbox_addr(mb);
  });
  // MS-ASEMAIL 2.2.2.73: Sender is only sent when someone sent on behalf of From.
  if (!sender_addr.empty() && lower_ascii(sender_addr) != lower_ascii(from_addr)) {
    f.sender = format_address_list(sender);
  }

  for (const auto& p : message.parts()) {
    if (p.role == PartRole::kAttachment) f.has_attachments = true;
  }
  f.structure_truncated = message.structure_truncated();
  return f;
}

}  // namespace easgate::mime
