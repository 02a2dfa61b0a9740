#include "backends/mime/email_body.h"

#include "backends/mime/charset.h"
#include "backends/mime/html_text.h"

namespace easgate::mime {
namespace {

bool param_is(GMimeObject* object, const char* name, const char* value) {
  const char* v = g_mime_object_get_content_type_parameter(object, name);
  return v && g_ascii_strcasecmp(v, value) == 0;
}

std::string plain_part_text(GMimeObject* object) {
  std::string text = decoded_text(object);
  if (param_is(object, "format", "flowed")) {
    return unflow_text(text, param_is(object, "delsp", "yes"));
  }
  return text;
}

}  // namespace

std::string unflow_text(std::string_view text, bool delsp) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line =
        text.substr(pos, (eol == std::string_view::npos ? text.size() : eol) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // RFC 3676 4.4: a leading space was added for stuffing; the signature line "-- " is
    // never flowed.
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    bool soft = !line.empty() && line.back() == ' ' && line != "-- ";
    if (soft && delsp) line.remove_suffix(1);
    out.append(line);
    if (!soft && eol != std::string_view::npos) out.append("\r\n");
    pos = next;
  }
  return out;
}

std::string plain_text_of(const MimeMessage& message) {
  if (const MimePart* plain = message.plain_body()) return plain_part_text(plain->object);
  if (const MimePart* html = message.html_body()) return html_to_text(decoded_text(html->object));
  return {};
}

std::string html_of(const MimeMessage& message) {
  if (const MimePart* html = message.html_body()) {
    return html_declare_utf8(decoded_text(html->object));
  }
  if (const MimePart* plain = message.plain_body()) {
    return text_to_html(plain_part_text(plain->object));
  }
  return {};
}

EasBody make_body(const MimeMessage& message, const BodyRequest& request) {
  EasBody body;
  std::string plain;  // kept for the preview when already computed
  bool have_plain = false;
  switch (request.type) {
    case BodyType::kMime:
      body.type = BodyType::kMime;
      body.data.assign(message.raw());
      break;
    case BodyType::kHtml:
      body.type = BodyType::kHtml;
      body.data = html_of(message);
      break;
    case BodyType::kPlain:
    case BodyType::kRtf:
      // RFC 3 (RTF) exists only for Exchange-native items; IMAP mail gets plain text and
      // the response's Type says so (MS-ASAIRS 2.2.2.22.1).
      body.type = BodyType::kPlain;
      plain = plain_text_of(message);
      have_plain = true;
      body.data = plain;
      break;
  }
  body.estimated_data_size = body.data.size();
  if (request.truncation_size && body.data.size() > *request.truncation_size) {
    body.truncated = true;
    if (request.all_or_none) {
      body.data.clear();  // MS-ASAIRS 2.2.2.4: AllOrNone TRUE and too big: no content
    } else if (body.type == BodyType::kMime) {
      body.data.resize(*request.truncation_size);
    } else {
      body.data.resize(utf8_prefix(body.data, *request.truncation_size).size());
    }
  }
  if (request.preview_size > 0) {
    if (!have_plain) plain = plain_text_of(message);
    body.preview = make_preview(plain, request.preview_size);
  }
  return body;
}

bool should_send_mime(const MimeMessage& message, MimeSupport support) {
  switch (support) {
    case MimeSupport::kNever:
      return false;
    case MimeSupport::kSmimeOnly:
      return message.smime_signed() || message.smime_encrypted();
    case MimeSupport::kAlways:
      return true;
  }
  return false;
}

}  // namespace easgate::mime
