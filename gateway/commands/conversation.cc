#include "gateway/commands/conversation.h"

#include <gmime/gmime.h>

#include "backends/mime/email_fields.h"
#include "backends/mime/mime_message.h"

namespace easgate {
namespace {

// The header block of `message` and the blank line that ends it: the conversation lives
// in headers, and parsing a 1 MB body to read them would be waste.
std::string_view header_block(std::string_view message) {
  size_t crlf = message.find("\r\n\r\n");
  size_t lf = message.find("\n\n");
  size_t end = std::min(crlf == std::string_view::npos ? message.size() : crlf + 4,
                        lf == std::string_view::npos ? message.size() : lf + 2);
  return message.substr(0, end);
}

std::string trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

// The first message id of a References / In-Reply-To value (RFC 5322 3.6.4), without <>.
std::string first_reference(const char* value) {
  if (!value) return {};
  GMimeReferences* refs = g_mime_references_parse(nullptr, value);
  if (!refs) return {};
  std::string first;
  if (g_mime_references_length(refs) > 0) first = g_mime_references_get_message_id(refs, 0);
  g_mime_references_free(refs);
  return first;
}

}  // namespace

std::optional<ConversationKeys> conversation_keys_of(std::string_view message) {
  std::string header(header_block(message));
  if (header.find('\n') == std::string::npos) header += "\r\n";
  if (header.size() < 2 || header.compare(header.size() - 2, 2, "\n\n") != 0) header += "\r\n";
  auto parsed = mime::MimeMessage::parse(header);
  if (!parsed.is_ok()) return std::nullopt;
  ConversationKeys keys;
  // The same computation Sync shows (MS-ASCON 2.2.2.3), so the hash always agrees.
  keys.conversation_id = mime::extract_email_fields(*parsed, mime::EmailContext{}).conversation_id;
  GMimeMessage* m = parsed->gmime();
  GMimeObject* headers = GMIME_OBJECT(m);
  const char* references = g_mime_object_get_header(headers, "References");
  const char* in_reply_to = g_mime_object_get_header(headers, "In-Reply-To");
  std::string root = first_reference(references);
  if (root.empty()) root = first_reference(in_reply_to);
  keys.has_parent = !root.empty();
  if (root.empty())
    if (const char* own = g_mime_message_get_message_id(m)) root = own;
  keys.root_message_id = trim(root);
  // Thread-Index decides the id when it decodes to at least its 22-byte header
  // (email_fields.cc); its first 21 bytes are 28 base64 characters every reply repeats.
  std::string thread_index = trim(mime::header_utf8(headers, "Thread-Index"));
  if (thread_index.size() >= 30 && thread_index.size() < 4096) {
    gsize len = 0;
    guchar* raw = g_base64_decode(thread_index.c_str(), &len);
    if (raw && len >= 22) {
      keys.thread_index_prefix = thread_index.substr(0, 28);
      keys.has_parent = keys.has_parent || len > 22;  // response levels follow the header
    }
    g_free(raw);
  }
  return keys;
}

std::vector<std::pair<std::string, std::string>> thread_search_criteria(
    const ConversationKeys& keys) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!keys.thread_index_prefix.empty()) {
    out.emplace_back("Thread-Index", keys.thread_index_prefix);
    return out;
  }
  if (keys.root_message_id.empty()) return out;
  std::string id = "<" + keys.root_message_id + ">";
  out.emplace_back("Message-ID", id);
  out.emplace_back("References", id);
  out.emplace_back("In-Reply-To", id);
  return out;
}

std::string conversation_hex(std::string_view conversation_id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(conversation_id.size() * 2);
  for (unsigned char c : conversation_id) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

}  // namespace easgate
