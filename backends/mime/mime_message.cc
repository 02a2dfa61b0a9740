#include "backends/mime/mime_message.h"

#include <charconv>
#include <mutex>

#include "backends/mime/charset.h"

namespace easgate::mime {
namespace {

GMimeParserOptions* parser_options() {
  static GMimeParserOptions* options = [] {
    GMimeParserOptions* o = g_mime_parser_options_new();
    // Phones and old mailers send raw 8-bit headers and sloppy RFC 2047; read them the way
    // mail clients do instead of rejecting the message.
    g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_allow_addresses_without_domain(o, TRUE);
    const char* fallback[] = {"UTF-8", "windows-1252", nullptr};
    g_mime_parser_options_set_fallback_charsets(o, fallback);
    return o;
  }();
  return options;
}

// See MimeMessage::parse: enough for kMaxParts containers however they are spelled.
constexpr size_t kMaxContainerMentions = 4 * kMaxParts;

std::string child_path(const std::string& parent, int index) {
  return parent.empty() ? std::to_string(index + 1) : parent + "." + std::to_string(index + 1);
}

bool is_type(GMimeObject* object, const char* type, const char* subtype) {
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  return ct && g_mime_content_type_is_type(ct, type, subtype);
}

bool is_attachment_disposition(GMimeObject* object) {
  GMimeContentDisposition* d = g_mime_object_get_content_disposition(object);
  return d && g_mime_content_disposition_is_attachment(d);
}

}  // namespace

void ensure_gmime_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_mime_init();
    (void)parser_options();
  });
}

Result<MimeMessage> MimeMessage::parse(std::string_view bytes) {
  ensure_gmime_initialized();
  MimeMessage m;
  m.raw_.assign(bytes);
  // GMime checks every line against the whole stack of open boundaries, so a message of
  // thousands of nested multiparts costs seconds. Nothing past kMaxParts is mapped anyway:
  // GMime sees the bytes only up to the kMaxContainerMentions-th "multipart/".
  size_t parse_size = m.raw_.size();
  size_t mentions = 0;
  for (size_t pos = m.raw_.find("ultipart/"); pos != std::string::npos;
       pos = m.raw_.find("ultipart/", pos + 9)) {
    if (++mentions > kMaxContainerMentions) {
      size_t line = m.raw_.rfind('\n', pos);
      parse_size = line == std::string::npos ? 0 : line + 1;
      m.structure_truncated_ = true;
      break;
    }
  }
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(m.raw_.data(), parse_size));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  m.message_.reset(g_mime_parser_construct_message(parser.get(), parser_options()));
  if (!m.message_) return Status::malformed("not an RFC 5322 message");
  GMimeObject* root = g_mime_message_get_mime_part(m.message_.get());
  if (root) {
    m.map(root, GMIME_IS_MULTIPART(root) ? std::string() : std::string("1"), 0, false);
  }
  return m;
}

const MimePart* MimeMessage::find_role(PartRole role) const {
  for (const auto& p : parts_) {
    if (p.role == role) return &p;
  }
  return nullptr;
}

void MimeMessage::map(GMimeObject* object, const std::string& path, int depth, bool in_related) {
  if (parts_.size() >= kMaxParts || depth > kMaxDepth) {
    structure_truncated_ = true;
    return;
  }
  parts_.push_back(MimePart{object, path, depth, PartRole::kContainer, in_related});
  size_t self = parts_.size() - 1;

  if (GMIME_IS_MESSAGE_PART(object)) {
    // MS-ASAIRS 2.2.2.28 Method 5: an attached message is one attachment, never a body.
    parts_[self].role = PartRole::kAttachment;
    return;
  }
  if (GMIME_IS_MULTIPART(object)) {
    auto* multipart = GMIME_MULTIPART(object);
    int count = g_mime_multipart_get_count(multipart);
    if (is_type(object, "multipart", "alternative")) {
      map_alternative(multipart, path, depth);
      return;
    }
    if (is_type(object, "multipart", "signed") && count >= 2) {
      const char* protocol = g_mime_object_get_content_type_parameter(object, "protocol");
      if (protocol && g_strrstr(protocol, "pkcs7-signature")) smime_signed_ = true;
      map(g_mime_multipart_get_part(multipart, 0), child_path(path, 0), depth + 1, false);
      for (int i = 1; i < count && parts_.size() < kMaxParts; ++i) {
        parts_.push_back(MimePart{g_mime_multipart_get_part(multipart, i), child_path(path, i),
                                  depth + 1, PartRole::kSignature, false});
      }
      return;
    }
    if (is_type(object, "multipart", "encrypted")) {
      // RFC 1847 / PGP-MIME: nothing readable without the key; the device gets the MIME.
      for (int i = 0; i < count && parts_.size() < kMaxParts; ++i) {
        parts_.push_back(MimePart{g_mime_multipart_get_part(multipart, i), child_path(path, i),
                                  depth + 1, PartRole::kEncrypted, false});
      }
      return;
    }
    bool related = is_type(object, "multipart", "related");
    for (int i = 0; i < count; ++i) {
      // RFC 2387: the first part of multipart/related is the root (the HTML); the others
      // are what it references by cid: (inline images).
      map(g_mime_multipart_get_part(multipart, i), child_path(path, i), depth + 1,
          related && i > 0);
    }
    return;
  }
  if (!GMIME_IS_PART(object)) return;

  if (is_type(object, "application", "pkcs7-mime") ||
      is_type(object, "application", "x-pkcs7-mime")) {
    smime_encrypted_ = smime_encrypted_ || depth == 0;
    parts_[self].role = depth == 0 ? PartRole::kEncrypted : PartRole::kAttachment;
    return;
  }
  PartRole wanted = PartRole::kAttachment;
  if (!is_attachment_disposition(object) && !in_related) {
    if (is_type(object, "text", "plain"))
      wanted = PartRole::kPlainBody;
    else if (is_type(object, "text", "html"))
      wanted = PartRole::kHtmlBody;
    else if (is_type(object, "text", "calendar"))
      wanted = PartRole::kCalendar;
  }
  if (wanted == PartRole::kAttachment) {
    parts_[self].role = in_alternative_ ? PartRole::kAlternativeUnused : PartRole::kAttachment;
    if (in_related) parts_[self].role = PartRole::kAttachment;
    return;
  }
  for (size_t i = 0; i < self; ++i) {
    if (parts_[i].role != wanted) continue;
    if (i >= alternative_start_ && wanted != PartRole::kCalendar) {
      // RFC 2046 5.1.4: a later alternative is the preferred one.
      parts_[i].role = PartRole::kAlternativeUnused;
      parts_[self].role = wanted;
    } else {
      // A second text part of the same kind next to the body: shown as an attachment.
      parts_[self].role = in_alternative_ ? PartRole::kAlternativeUnused : PartRole::kAttachment;
    }
    return;
  }
  parts_[self].role = wanted;
}

void MimeMessage::map_alternative(GMimeMultipart* multipart, const std::string& path, int depth) {
  size_t saved_start = alternative_start_;
  bool saved_in = in_alternative_;
  alternative_start_ = parts_.size();
  in_alternative_ = true;
  int count = g_mime_multipart_get_count(multipart);
  for (int i = 0; i < count; ++i) {
    map(g_mime_multipart_get_part(multipart, i), child_path(path, i), depth + 1, false);
  }
  alternative_start_ = saved_start;
  in_alternative_ = saved_in;
}

GMimeObject* MimeMessage::object_at(std::string_view path) const {
  GMimeObject* current = g_mime_message_get_mime_part(message_.get());
  bool message_top = true;  // a non-multipart message body is section 1 of its message
  size_t steps = 0;
  while (current && !path.empty()) {
    if (++steps > 64) return nullptr;
    size_t dot = path.find('.');
    std::string_view number = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    int n = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (ec != std::errc() || end != number.data() + number.size() || n < 1) return nullptr;
    if (GMIME_IS_MESSAGE_PART(current)) {
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(current));
      current = inner ? g_mime_message_get_mime_part(inner) : nullptr;
      message_top = true;
      if (!current) return nullptr;
    }
    if (GMIME_IS_MULTIPART(current)) {
      auto* multipart = GMIME_MULTIPART(current);
      if (n > g_mime_multipart_get_count(multipart)) return nullptr;
      current = g_mime_multipart_get_part(multipart, n - 1);
    } else if (!(message_top && n == 1)) {
      return nullptr;
    }
    message_top = false;
  }
  return current;
}

std::string decoded_content(GMimeObject* object) {
  if (!object || !GMIME_IS_PART(object)) return {};
  GMimeDataWrapper* wrapper = g_mime_part_get_content(GMIME_PART(object));
  if (!wrapper) return {};
  GPtr<GMimeStream> sink(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(wrapper, sink.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(sink.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

std::string decoded_text(GMimeObject* object) {
  const char* charset = g_mime_object_get_content_type_parameter(object, "charset");
  return to_utf8(decoded_content(object), charset ? charset : "");
}

std::string header_utf8(GMimeObject* object, const char* name) {
  const char* value = g_mime_object_get_header(object, name);
  return value ? make_valid_utf8(value) : std::string();
}

}  // namespace easgate::mime
