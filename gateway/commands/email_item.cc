#include "gateway/commands/email_item.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "backends/ical/meeting_request.h"
#include "backends/mime/attachments.h"
#include "backends/mime/email_fields.h"
#include "rules/policy/provisioning_policy.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace asb = tag::air_sync_base;
namespace em = tag::email;
namespace em2 = tag::email2;

constexpr std::string_view kCategoryPrefix = "$Category_";

std::optional<uint32_t> parse_u32(std::string_view text) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// MS-ASCMD 2.2.3.176: the 2.5 Truncation codes, in bytes.
std::optional<uint32_t> truncation_code_bytes(uint32_t code) {
  static constexpr uint32_t kBytes[] = {0, 4096, 5120, 7168, 10240, 20480, 51200, 102400};
  if (code < std::size(kBytes)) return kBytes[code];
  return std::nullopt;  // 8 (and anything else): do not truncate
}

std::optional<mime::BodyRequest> parse_body_request(const WbxmlElement& e) {
  auto type = parse_u32(e.child_text(asb::kType));
  if (!type || *type < 1 || *type > 4) return std::nullopt;
  mime::BodyRequest r;
  r.type = static_cast<mime::BodyType>(*type);
  if (auto t = parse_u32(e.child_text(asb::kTruncationSize))) r.truncation_size = *t;
  r.all_or_none = e.child_text(asb::kAllOrNone) == "1";
  if (auto p = parse_u32(e.child_text(asb::kPreview))) r.preview_size = std::min<uint32_t>(*p, 255);
  return r;
}

std::optional<uint32_t> min_limit(std::optional<uint32_t> a, std::optional<uint32_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// The body request actually served: the first preference the gateway can honour, clamped
// by policy (MS-ASAIRS 2.2.2.11: the server uses the first Type it supports).
mime::BodyRequest choose_body(const EmailItemOptions& o) {
  mime::BodyRequest r;
  for (const auto& p : o.body_preferences) {
    if (p.type == mime::BodyType::kRtf) continue;  // no RTF bodies in IMAP mail
    r = p;
    break;
  }
  if (r.type == mime::BodyType::kHtml && !o.allow_html) r.type = mime::BodyType::kPlain;
  if (r.type == mime::BodyType::kPlain) r.truncation_size = min_limit(r.truncation_size, o.max_plain_truncation);
  if (r.type == mime::BodyType::kHtml) r.truncation_size = min_limit(r.truncation_size, o.max_html_truncation);
  return r;
}

// The MIME body served to a 12.0+ device in place of the converted one. MIMETruncation
// (MS-ASCMD 2.2.3.111) is the 2.5 form: its result elements MIMEData/MIMETruncated/MIMESize
// exist in 2.5 only (MS-ASEMAIL 2.2.2.50-52). From 12.0 MIME travels as airsyncbase:Body
// Type 4, cut by the TruncationSize of the Type 4 BodyPreference (MS-ASAIRS 2.2.2.40.2,
// 12.0+), which therefore wins; MIMETruncation only applies when that preference gives no
// TruncationSize (clients that still send it with 12.x keep their limit).
mime::BodyRequest mime_body_request(const EmailItemOptions& o) {
  mime::BodyRequest r{mime::BodyType::kMime, o.mime_truncation, false, 0};
  for (const auto& p : o.body_preferences) {
    if (p.type != mime::BodyType::kMime) continue;
    r = p;
    if (!r.truncation_size) r.truncation_size = o.mime_truncation;
    break;
  }
  return r;
}

void add_body(const mime::EasBody& body, const EmailItemOptions& o, Tag tag, WbxmlElement& out) {
  WbxmlElement& b = out.add_child(tag);
  b.add_text(asb::kType, std::to_string(static_cast<int>(body.type)));
  b.add_text(asb::kEstimatedDataSize, std::to_string(body.estimated_data_size));
  if (body.truncated) b.add_text(asb::kTruncated, "1");
  if (!body.data.empty()) b.add_text(asb::kData, body.data);
  // MS-ASAIRS 2.2.2.37 Preview: 14.0 and later only.
  if (!body.preview.empty() && o.version >= ProtocolVersion::v14_0())
    b.add_text(asb::kPreview, body.preview);
}

void add_attachments(const mime::MimeMessage& message, const EmailItemOptions& o,
                     std::string_view server_id, WbxmlElement& out) {
  if (!o.attachments_enabled) return;
  std::vector<mime::EasAttachment> list = mime::list_attachments(message);
  bool any = false;
  WbxmlElement* parent = nullptr;
  for (const auto& a : list) {
    if (o.max_attachment_size > 0 && a.estimated_data_size > o.max_attachment_size) continue;
    std::string ref = make_file_reference(server_id, a.file_reference);
    if (ref.size() > kMaxFileReferenceLength) continue;
    if (!any) {
      parent = o.version >= ProtocolVersion::v12_0() ? &out.add_child(asb::kAttachments)
                                                      : &out.add_child(em::kAttachments);
      any = true;
    }
    if (o.version >= ProtocolVersion::v12_0()) {
      WbxmlElement& e = parent->add_child(asb::kAttachment);
      e.add_text(asb::kDisplayName, a.display_name);
      e.add_text(asb::kFileReference, ref);
      e.add_text(asb::kMethod, std::to_string(static_cast<int>(a.method)));
      e.add_text(asb::kEstimatedDataSize, std::to_string(a.estimated_data_size));
      if (!a.content_id.empty()) e.add_text(asb::kContentId, a.content_id);
      if (!a.content_location.empty()) e.add_text(asb::kContentLocation, a.content_location);
      if (a.is_inline) e.add_text(asb::kIsInline, "1");
    } else {
      // MS-ASEMAIL 2.2.2.8 (2.5): email:Attachment with AttName as the reference.
      WbxmlElement& e = parent->add_child(em::kAttachment);
      e.add_text(em::kAttMethod, std::to_string(static_cast<int>(a.method)));
      e.add_text(em::kAttSize, std::to_string(a.estimated_data_size));
      e.add_text(em::kDisplayName, a.display_name);
      e.add_text(em::kAttName, ref);
    }
  }
}

void add_categories(const MessageFlags& flags, WbxmlElement& out, bool always) {
  std::vector<std::string> names;
  for (const auto& k : flags.keywords)
    if (auto c = keyword_to_category(k)) names.push_back(std::move(*c));
  if (names.empty() && !always) return;
  WbxmlElement& cats = out.add_child(em::kCategories);
  for (auto& n : names) cats.add_text(em::kCategory, std::move(n));
}

void add_flag(const MessageFlags& flags, WbxmlElement& out) {
  // MS-ASEMAIL 2.2.2.34: an empty Flag means no flag; Status 2 is an active flag. The
  // dates and completion of a follow-up flag have no IMAP home and are not kept yet.
  WbxmlElement& f = out.add_child(em::kFlag);
  if (flags.flagged) {
    f.add_text(em::kStatus, "2");
    f.add_text(em::kFlagType, "Flag for follow up");
  }
}

void add_last_verb(const MessageFlags& flags, WbxmlElement& out) {
  // MS-ASEMAIL 2.2.2.46 LastVerbExecuted: 1 reply to sender, 2 reply to all, 3 forward.
  // IMAP keeps no time of the action, so LastVerbExecutionTime is not sent.
  if (flags.forwarded) out.add_text(em2::kLastVerbExecuted, "3");
  else if (flags.answered) out.add_text(em2::kLastVerbExecuted, "1");
}

// MS-ASEMAIL 2.2.2.48: a meeting request or cancellation mail carries its meeting, read
// from the text/calendar part (RFC 6047) the way the Calendar class reads the event. A part
// that does not parse leaves the mail a plain message with its MessageClass (never dropped).
void add_meeting_request(const mime::EasEmailFields& f, const EmailItemOptions& o,
                         WbxmlElement& out) {
  if (f.calendar.empty()) return;
  if (f.message_class != "IPM.Schedule.Meeting.Request" &&
      f.message_class != "IPM.Schedule.Meeting.Canceled")
    return;
  ical::ConversionContext context;
  context.version = o.version;
  if (!o.user_addresses.empty()) context.user_email = o.user_addresses.front();
  auto meeting = ical::meeting_request_from_ical(f.calendar, context);
  if (!meeting.is_ok()) return;
  ical::meeting_request_to_wbxml(*meeting, o.version, out);
}

bool is_atom_char(unsigned char c) {
  // RFC 3501 9: ATOM-CHAR excludes atom-specials "(" ")" "{" SP CTL "%" "*" '"' "\" "]".
  if (c <= 0x20 || c >= 0x7f) return false;
  return std::string_view("(){%*\"\\]").find(static_cast<char>(c)) == std::string_view::npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

EmailItemOptions parse_email_options(const WbxmlElement* options, ProtocolVersion version) {
  EmailItemOptions o;
  o.version = version;
  if (!options) return o;
  for (const WbxmlElement& c : options->children()) {
    if (c.is(asb::kBodyPreference)) {
      if (auto r = parse_body_request(c)) o.body_preferences.push_back(*r);
    } else if (c.is(asb::kBodyPartPreference)) {
      if (auto r = parse_body_request(c)) o.body_part_preference = *r;
    } else if (c.is(as::kMIMESupport)) {
      auto v = parse_u32(c.text());
      if (v && *v <= 2) o.mime_support = static_cast<mime::MimeSupport>(*v);
    } else if (c.is(as::kMIMETruncation)) {
      if (auto v = parse_u32(c.text())) o.mime_truncation = truncation_code_bytes(*v);
    } else if (c.is(as::kTruncation)) {
      if (auto v = parse_u32(c.text())) o.truncation_2_5 = truncation_code_bytes(*v);
    }
  }
  return o;
}

void apply_policy(const ProvisioningPolicy& policy, EmailItemOptions* o) {
  o->allow_html = o->allow_html && policy.allow_html_email;
  o->attachments_enabled = o->attachments_enabled && policy.attachments_enabled;
  if (policy.max_attachment_size) o->max_attachment_size = *policy.max_attachment_size;
  // MS-ASPROV 2.2.2.40/41: the truncation limits are in KB; -1 means no limit.
  if (policy.max_email_body_truncation_size >= 0)
    o->max_plain_truncation = min_limit(
        o->max_plain_truncation, static_cast<uint32_t>(policy.max_email_body_truncation_size) * 1024);
  if (policy.max_email_html_body_truncation_size >= 0)
    o->max_html_truncation =
        min_limit(o->max_html_truncation,
                  static_cast<uint32_t>(policy.max_email_html_body_truncation_size) * 1024);
}

void append_email_item(const MessageSummary& summary, std::string_view raw_message,
                       const EmailItemOptions& options, std::string_view server_id,
                       WbxmlElement& out) {
  auto parsed = mime::MimeMessage::parse(raw_message);
  if (parsed.is_ok()) {
    append_email_item(summary, parsed.value(), options, server_id, out);
    return;
  }
  // Not MIME at all: the item still reaches the device, with what IMAP told us.
  out.add_text(em::kDateReceived, mime::format_eas_date(summary.internal_date));
  out.add_text(em::kImportance, "1");
  out.add_text(em::kRead, summary.flags.seen ? "1" : "0");
  out.add_text(em::kMessageClass, "IPM.Note");
  add_flag(summary.flags, out);
}

void append_email_item(const MessageSummary& summary, const mime::MimeMessage& message,
                       const EmailItemOptions& o, std::string_view server_id,
                       WbxmlElement& out) {
  mime::EmailContext context;
  if (summary.internal_date > 0) context.internal_date = summary.internal_date;
  context.user_addresses = o.user_addresses;
  mime::EasEmailFields f = mime::extract_email_fields(message, context);
  const bool v12 = o.version >= ProtocolVersion::v12_0();
  const bool v14 = o.version >= ProtocolVersion::v14_0();

  if (!f.to.empty()) out.add_text(em::kTo, f.to);
  if (!f.cc.empty()) out.add_text(em::kCc, f.cc);
  if (!f.from.empty()) out.add_text(em::kFrom, f.from);
  out.add_text(em::kSubject, f.subject);
  if (!f.reply_to.empty()) out.add_text(em::kReplyTo, f.reply_to);
  out.add_text(em::kDateReceived, mime::format_eas_date(f.date_received));
  if (!f.display_to.empty()) out.add_text(em::kDisplayTo, f.display_to);
  out.add_text(em::kThreadTopic, f.thread_topic);
  out.add_text(em::kImportance, std::to_string(static_cast<int>(f.importance)));
  out.add_text(em::kRead, summary.flags.seen ? "1" : "0");

  if (v12) {
    add_attachments(message, o, server_id, out);
    mime::BodyRequest request = choose_body(o);
    // MS-ASCMD 2.2.3.110.3: MIME replaces the converted body (truncation: mime_body_request).
    if (mime::should_send_mime(message, o.mime_support)) request = mime_body_request(o);
    add_body(mime::make_body(message, request), o, asb::kBody, out);
    if (o.body_part_preference && o.version >= ProtocolVersion::v16_0()) {
      mime::BodyRequest part = *o.body_part_preference;
      part.type = mime::BodyType::kHtml;  // MS-ASAIRS 2.2.2.12: BodyPart is HTML only
      if (o.allow_html) add_body(mime::make_body(message, part), o, asb::kBodyPart, out);
    }
  } else {
    add_attachments(message, o, server_id, out);
    // 2.5 (MS-ASEMAIL 2.2.2.9/2.2.2.12): plain text email:Body and BodyTruncated, or MIME.
    if (mime::should_send_mime(message, o.mime_support)) {
      mime::BodyRequest r{mime::BodyType::kMime, o.mime_truncation, false, 0};
      mime::EasBody b = mime::make_body(message, r);
      out.add_text(em::kMIMETruncated, b.truncated ? "1" : "0");
      out.add_text(em::kMIMESize, std::to_string(b.estimated_data_size));
      out.add_text(em::kMIMEData, std::move(b.data));
    } else {
      mime::BodyRequest r{mime::BodyType::kPlain, min_limit(o.truncation_2_5, o.max_plain_truncation),
                          false, 0};
      mime::EasBody b = mime::make_body(message, r);
      if (b.truncated) out.add_text(em::kBodySize, std::to_string(b.estimated_data_size));
      out.add_text(em::kBodyTruncated, b.truncated ? "1" : "0");
      out.add_text(em::kBody, std::move(b.data));
    }
  }
  out.add_text(em::kMessageClass, f.message_class.empty() ? "IPM.Note" : f.message_class);
  add_meeting_request(f, o, out);
  if (v12) out.add_text(em::kInternetCPID, std::to_string(f.internet_cpid));
  add_flag(summary.flags, out);
  if (v12) {
    if (!f.content_class.empty()) out.add_text(em::kContentClass, f.content_class);
    out.add_text(asb::kNativeBodyType, std::to_string(static_cast<int>(f.native_body_type)));
  }
  if (v14) {
    // MS-ASCON 2.2.2.3/2.2.2.4: opaque bytes, stable across syncs.
    if (!f.conversation_id.empty()) out.add_opaque(em2::kConversationId, f.conversation_id);
    if (!f.conversation_index.empty())
      out.add_opaque(em2::kConversationIndex, f.conversation_index);
    add_last_verb(summary.flags, out);
    if (f.received_as_bcc) out.add_text(em2::kReceivedAsBcc, "1");
    if (!f.sender.empty()) out.add_text(em2::kSender, f.sender);
  }
  if (v12) add_categories(summary.flags, out, false);
}

bool is_sms_message(std::string_view raw) {
  constexpr std::string_view kName = mime::kMessageClassHeader;
  std::string value;  // the header's value, unfolded (RFC 5322 2.2.3)
  bool in_header = false;
  size_t at = 0;
  while (at < raw.size()) {
    size_t end = raw.find('\n', at);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view line = raw.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the header block
    if (line[0] == ' ' || line[0] == '\t') {
      if (in_header) value.append(line);
      continue;
    }
    if (in_header) break;  // the first such header decides, as GMime's lookup does
    if (line.size() > kName.size() && line[kName.size()] == ':' &&
        std::equal(kName.begin(), kName.end(), line.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      in_header = true;
      value.assign(line.substr(kName.size() + 1));
    }
  }
  auto first = value.find_first_not_of(" \t");
  if (first == std::string::npos) return false;
  auto last = value.find_last_not_of(" \t");
  return std::string_view(value).substr(first, last - first + 1) == mime::kSmsMessageClass;
}

void mark_sms_class(ProtocolVersion version, WbxmlElement& add) {
  if (version < ProtocolVersion::v14_0()) return;
  const WbxmlElement* data = add.child(as::kApplicationData);
  if (!data || data->child_text(em::kMessageClass) != mime::kSmsMessageClass) return;
  WbxmlElement cls(as::kClass);
  cls.set_text("SMS");
  auto& kids = add.mutable_children();
  kids.insert(kids.begin(), std::move(cls));
}

void append_email_flag_state(const MessageFlags& flags, ProtocolVersion version,
                             WbxmlElement& out) {
  out.add_text(em::kRead, flags.seen ? "1" : "0");
  add_flag(flags, out);
  if (version >= ProtocolVersion::v14_0()) add_last_verb(flags, out);
  // An empty Categories clears the device's categories (MS-ASEMAIL 2.2.2.14).
  if (version >= ProtocolVersion::v12_0()) add_categories(flags, out, true);
}

std::string make_file_reference(std::string_view server_id, std::string_view section) {
  std::string out;
  out.reserve(server_id.size() + 1 + section.size());
  out.append(server_id).append(":").append(section);
  return out;
}

std::optional<FileReferenceParts> parse_file_reference(std::string_view reference) {
  if (reference.size() > kMaxFileReferenceLength) return std::nullopt;
  size_t last = reference.rfind(':');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  std::string_view server_id = reference.substr(0, last);
  std::string_view section = reference.substr(last + 1);
  size_t first = server_id.find(':');
  if (first == std::string_view::npos || first == 0 || first + 1 == server_id.size())
    return std::nullopt;
  if (section.empty() || section.front() == '.' || section.back() == '.') return std::nullopt;
  for (char c : section)
    if (!(c == '.' || (c >= '0' && c <= '9'))) return std::nullopt;
  return FileReferenceParts{std::string(server_id.substr(0, first)), std::string(server_id),
                            std::string(section)};
}

std::string category_to_keyword(std::string_view category) {
  bool atom = !category.empty() && category.front() != '$' && category.front() != '\\';
  for (char c : category) atom = atom && is_atom_char(static_cast<unsigned char>(c));
  if (atom) return std::string(category);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kCategoryPrefix);
  for (char c : category) {
    auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::optional<std::string> keyword_to_category(std::string_view keyword) {
  if (keyword.empty() || keyword.front() == '\\') return std::nullopt;
  if (keyword.substr(0, kCategoryPrefix.size()) == kCategoryPrefix) {
    std::string_view hex = keyword.substr(kCategoryPrefix.size());
    if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
    std::string out;
    for (size_t i = 0; i < hex.size(); i += 2) {
      int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
    }
    return out;
  }
  if (keyword.front() == '$') return std::nullopt;  // $Forwarded, $MDNSent, $Junk ...
  return std::string(keyword);
}

}  // namespace easgate
