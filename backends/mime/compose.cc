#include "backends/mime/compose.h"

#include <cstring>

#include "backends/mime/attachments.h"
#include "backends/mime/charset.h"
#include "backends/mime/email_body.h"
#include "backends/mime/html_text.h"
#include "backends/mime/mime_message.h"

namespace easgate::mime {
namespace {

std::string serialize(GMimeObject* object) {
  GMimeFormatOptions* format = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
  GPtr<GMimeStream> sink(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, format, sink.get());
  g_mime_format_options_free(format);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(sink.get()));
  return to_crlf(std::string_view(reinterpret_cast<const char*>(bytes->data), bytes->len));
}

void set_text(GMimeObject* part, const std::string& utf8) {
  if (!GMIME_IS_TEXT_PART(part)) return;
  g_mime_text_part_set_text(GMIME_TEXT_PART(part), utf8.c_str());
  g_mime_part_set_content_encoding(
      GMIME_PART(part),
      g_mime_part_get_best_content_encoding(GMIME_PART(part), GMIME_ENCODING_CONSTRAINT_7BIT));
}

std::string header_or(GMimeMessage* m, const char* name, const char* fallback) {
  std::string v = header_utf8(GMIME_OBJECT(m), name);
  return v.empty() ? fallback : v;
}

// The inside of <body>...</body>, or the whole text when there is no body element.
std::string body_inner(const std::string& html) {
  std::string lower = html;
  for (char& c : lower) c = g_ascii_tolower(c);
  size_t open = lower.find("<body");
  size_t start = open == std::string::npos ? 0 : lower.find('>', open);
  start = (open == std::string::npos || start == std::string::npos) ? 0 : start + 1;
  size_t end = lower.rfind("</body");
  if (end == std::string::npos || end < start) end = html.size();
  return html.substr(start, end - start);
}

struct Quote {
  std::string plain;  // appended to the client's text/plain
  std::string html;   // inserted before the client's </body>
};

Quote make_quote(const MimeMessage& original, bool forward) {
  GMimeMessage* m = original.gmime();
  std::string from = header_or(m, "From", "");
  std::string date = header_or(m, "Date", "");
  Quote q;
  std::string text = plain_text_of(original);
  std::string html = body_inner(html_of(original));
  if (forward) {
    std::string head = "-------- Forwarded message --------\n";
    head += "From: " + from + "\nDate: " + date + "\nSubject: " + header_or(m, "Subject", "") +
            "\nTo: " + header_or(m, "To", "") + "\n";
    q.plain = "\n\n" + head + "\n" + text;
    std::string html_head = html_escape(head);
    std::string with_breaks;
    for (char c : html_head) {
      if (c == '\n')
        with_breaks += "<br>\n";
      else
        with_breaks.push_back(c);
    }
    q.html = "<br><div>" + with_breaks + "<br>" + html + "</div>";
    return q;
  }
  std::string attribution = "On " + date + ", " + from + " wrote:";
  q.plain = "\n\n" + attribution + "\n";
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line(text.data() + pos, (eol == std::string::npos ? text.size() : eol) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    q.plain += line.empty() || line.front() == '>' ? ">" : "> ";
    q.plain.append(line);
    q.plain += "\n";
    if (eol == std::string::npos) break;
    pos = eol + 1;
  }
  q.html = "<br><div>" + html_escape(attribution) + "</div><blockquote type=\"cite\">" + html +
           "</blockquote>";
  return q;
}

// Makes the message's top part multipart/mixed (wrapping the current one) and returns it.
GMimeMultipart* ensure_mixed(GMimeMessage* message) {
  GMimeObject* root = g_mime_message_get_mime_part(message);
  if (root && GMIME_IS_MULTIPART(root)) {
    GMimeContentType* ct = g_mime_object_get_content_type(root);
    if (g_mime_content_type_is_type(ct, "multipart", "mixed")) return GMIME_MULTIPART(root);
  }
  GMimeMultipart* mixed = g_mime_multipart_new_with_subtype("mixed");
  if (root) g_mime_multipart_add(mixed, root);
  g_mime_message_set_mime_part(message, GMIME_OBJECT(mixed));
  g_object_unref(mixed);
  return mixed;
}

Result<std::string> compose(std::string_view original_bytes, std::string_view client_mime,
                            bool replace_mime, bool forward) {
  auto client = MimeMessage::parse(client_mime);
  if (!client) return std::move(client.status()).prefixed("client MIME");
  auto original = MimeMessage::parse(original_bytes);
  if (!original) return std::move(original.status()).prefixed("original message");
  GMimeMessage* out = client->gmime();
  GMimeObject* out_headers = GMIME_OBJECT(out);

  if (!forward) {
    const char* id = g_mime_message_get_message_id(original->gmime());
    if (id && *id && !g_mime_object_get_header(out_headers, "In-Reply-To")) {
      std::string bracketed = std::string("<") + id + ">";
      g_mime_object_set_header(out_headers, "In-Reply-To", bracketed.c_str(), nullptr);
      if (!g_mime_object_get_header(out_headers, "References")) {
        std::string refs = header_utf8(GMIME_OBJECT(original->gmime()), "References");
        refs = refs.empty() ? bracketed : refs + " " + bracketed;
        g_mime_object_set_header(out_headers, "References", refs.c_str(), nullptr);
      }
    }
  }
  if (replace_mime) return serialize(out_headers);

  Quote quote = make_quote(*original, forward);
  const MimePart* plain = client->plain_body();
  const MimePart* html = client->html_body();
  if (plain) set_text(plain->object, decoded_text(plain->object) + quote.plain);
  if (html) {
    std::string text = decoded_text(html->object);
    std::string lower = text;
    for (char& c : lower) c = g_ascii_tolower(c);
    size_t end = lower.rfind("</body");
    if (end == std::string::npos)
      text += quote.html;
    else
      text.insert(end, quote.html);
    set_text(html->object, text);
  }
  if (!plain && !html) {
    // The client sent only attachments: the quote becomes the first part.
    GMimeTextPart* part = g_mime_text_part_new_with_subtype("plain");
    set_text(GMIME_OBJECT(part), quote.plain);
    g_mime_multipart_insert(ensure_mixed(out), 0, GMIME_OBJECT(part));
    g_object_unref(part);
  }
  if (forward) {
    GMimeMultipart* mixed = nullptr;
    for (const auto& p : original->parts()) {
      if (p.role != PartRole::kAttachment) continue;
      if (!mixed) mixed = ensure_mixed(out);
      g_mime_multipart_add(mixed, p.object);
    }
  }
  return serialize(out_headers);
}

}  // namespace

Result<std::string> compose_reply(std::string_view original_bytes, std::string_view client_mime,
                                  bool replace_mime) {
  return compose(original_bytes, client_mime, replace_mime, false);
}

Result<std::string> compose_forward(std::string_view original_bytes, std::string_view client_mime,
                                    bool replace_mime) {
  return compose(original_bytes, client_mime, replace_mime, true);
}

Result<std::vector<std::string>> envelope_recipients(std::string_view mime) {
  auto message = MimeMessage::parse(mime);
  if (!message) return message.status();
  std::vector<std::string> out;
  std::vector<std::string> seen;
  for (GMimeAddressType type :
       {GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC, GMIME_ADDRESS_TYPE_BCC}) {
    InternetAddressList* list = g_mime_message_get_addresses(message->gmime(), type);
    int n = list ? internet_address_list_length(list) : 0;
    for (int i = 0; i < n; ++i) {
      InternetAddress* a = internet_address_list_get_address(list, i);
      std::vector<InternetAddressMailbox*> boxes;
      if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
        boxes.push_back(INTERNET_ADDRESS_MAILBOX(a));
      } else if (INTERNET_ADDRESS_IS_GROUP(a)) {
        InternetAddressList* members =
            internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a));
        int m = members ? internet_address_list_length(members) : 0;
        for (int j = 0; j < m; ++j) {
          InternetAddress* member = internet_address_list_get_address(members, j);
          if (INTERNET_ADDRESS_IS_MAILBOX(member))
            boxes.push_back(INTERNET_ADDRESS_MAILBOX(member));
        }
      }
      for (auto* box : boxes) {
        const char* addr = internet_address_mailbox_get_addr(box);
        if (!addr || !*addr || !strchr(addr, '@')) continue;
        std::string lower = addr;
        for (char& c : lower) c = g_ascii_tolower(c);
        bool dup = false;
        for (const auto& s : seen) dup = dup || s == lower;
        if (dup) continue;
        seen.push_back(lower);
        out.emplace_back(addr);
      }
    }
  }
  return out;
}

std::string to_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out.push_back('\r');
    out.push_back(text[i]);
  }
  return out;
}

std::string strip_bcc(std::string_view mime) {
  std::string out;
  out.reserve(mime.size());
  size_t pos = 0;
  bool dropping = false;
  while (pos < mime.size()) {
    size_t eol = mime.find('\n', pos);
    size_t next = eol == std::string_view::npos ? mime.size() : eol + 1;
    std::string_view line = mime.substr(pos, next - pos);
    bool blank = line == "\n" || line == "\r\n";
    if (blank) {  // end of the top-level header block: copy the rest unchanged
      out.append(mime.substr(pos));
      break;
    }
    bool continuation = line[0] == ' ' || line[0] == '\t';
    if (!continuation)
      dropping = line.size() >= 4 && g_ascii_strncasecmp(line.data(), "bcc:", 4) == 0;
    if (!dropping) out.append(line);
    pos = next;
  }
  return to_crlf(out);
}

}  // namespace easgate::mime
