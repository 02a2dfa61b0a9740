#include "gateway/commands/client_email_item.h"

#include <algorithm>

#include "backends/mime/attachments.h"
#include "backends/mime/compose.h"
#include "backends/mime/email_fields.h"
#include "backends/mime/mime_message.h"
#include "gateway/commands/search_query.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace asb = tag::air_sync_base;
namespace em = tag::email;
namespace em2 = tag::email2;

using mime::GPtr;

// Appends the addresses of `text` (an RFC 5322 list as the device wrote it) to `type`.
void add_addresses(GMimeMessage* m, GMimeAddressType type, const std::string& text) {
  if (text.empty()) return;
  InternetAddressList* parsed = internet_address_list_parse(nullptr, text.c_str());
  if (!parsed) return;  // nothing usable: the header stays empty rather than wrong
  internet_address_list_append(g_mime_message_get_addresses(m, type), parsed);
  g_object_unref(parsed);
}

std::string serialize(GMimeObject* object) {
  GMimeFormatOptions* format = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
  GPtr<GMimeStream> sink(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, format, sink.get());
  g_mime_format_options_free(format);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(sink.get()));
  return mime::to_crlf(std::string_view(reinterpret_cast<const char*>(bytes->data), bytes->len));
}

// "type/subtype" of an attachment; anything malformed is application/octet-stream.
std::pair<std::string, std::string> media_type(const std::string& content_type) {
  size_t slash = content_type.find('/');
  bool ok = slash != std::string::npos && slash > 0 && slash + 1 < content_type.size();
  for (char c : content_type)
    if (c <= ' ' || c == ';' || c == '"' || static_cast<unsigned char>(c) >= 0x7F) ok = false;
  if (!ok) return {"application", "octet-stream"};
  return {content_type.substr(0, slash), content_type.substr(slash + 1)};
}

GMimeObject* attachment_part(const ClientAttachmentAdd& a) {
  auto [type, subtype] = media_type(a.content_type);
  GMimePart* part = g_mime_part_new_with_type(type.c_str(), subtype.c_str());
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(a.content.data(), a.content.size()));
  GPtr<GMimeDataWrapper> wrapper(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part, wrapper.get());
  g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_disposition(GMIME_OBJECT(part), a.is_inline ? "inline" : "attachment");
  if (!a.display_name.empty()) g_mime_part_set_filename(part, a.display_name.c_str());
  if (!a.content_id.empty()) g_mime_part_set_content_id(part, a.content_id.c_str());
  return GMIME_OBJECT(part);
}

// A device's text as one header line: CR, LF and other controls would start a new header.
std::string one_line(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  return text;
}

// Body Type 1 or 2 of an airsyncbase:Body into `item`.
Status read_body(const WbxmlElement& body, ClientEmailItem* item) {
  std::string_view type = body.child_text(asb::kType);
  if (!type.empty() && type != "1" && type != "2")
    return Status::invalid_argument("body type other than plain text or HTML");
  item->html = type == "2";
  item->body.clear();
  if (const WbxmlElement* d = body.child(asb::kData)) item->body = std::string(d->content());
  return Status::ok();
}

Result<ClientAttachmentAdd> read_attachment_add(const WbxmlElement& e) {
  ClientAttachmentAdd a;
  a.client_id = std::string(e.child_text(asb::kClientId));
  a.display_name = std::string(e.child_text(asb::kDisplayName));
  const WbxmlElement* content = e.child(asb::kContent);
  if (!content) return Status::invalid_argument("attachment without Content");
  a.content = std::string(content->content());
  a.content_type = std::string(e.child_text(asb::kContentType));
  a.content_id = std::string(e.child_text(asb::kContentId));
  a.is_inline = e.child_text(asb::kIsInline) == "1";
  return a;
}

}  // namespace

bool has_draft_content(const WbxmlElement& data) {
  for (Tag t : {em::kTo, em::kCc, em2::kBcc, em::kSubject, em::kImportance, asb::kBody,
                asb::kAttachments, em2::kSend})
    if (data.child(t)) return true;
  return false;
}

Result<ClientEmailItem> client_email_item_from_message(std::string_view raw) {
  auto parsed = mime::MimeMessage::parse(raw);
  if (!parsed.is_ok()) return parsed.status();
  const mime::MimeMessage& m = parsed.value();
  mime::EasEmailFields f = mime::extract_email_fields(m, mime::EmailContext{});
  ClientEmailItem item;
  item.to = f.to;
  item.cc = f.cc;
  item.bcc = mime::header_utf8(GMIME_OBJECT(m.gmime()), "Bcc");
  item.subject = f.subject;
  item.importance = static_cast<int>(f.importance);
  if (const mime::MimePart* html = m.html_body()) {
    item.html = true;
    item.body = mime::decoded_text(html->object);
  } else if (const mime::MimePart* plain = m.plain_body()) {
    item.body = mime::decoded_text(plain->object);
  }
  for (const mime::EasAttachment& a : mime::list_attachments(m)) {
    auto content = mime::extract_attachment(m, a.file_reference);
    if (!content.is_ok()) continue;  // a container: nothing a draft can hold
    ClientAttachmentAdd kept;
    kept.display_name = a.display_name;
    kept.content = std::move(content->data);
    kept.content_type = content->content_type;
    kept.content_id = a.content_id;
    kept.is_inline = a.is_inline;
    kept.section = a.file_reference;
    item.attachment_adds.push_back(std::move(kept));
  }
  return item;
}

Status apply_client_email_change(const WbxmlElement& data, std::string_view server_id,
                                 ClientEmailItem* item) {
  if (const WbxmlElement* e = data.child(em::kTo)) item->to = std::string(e->content());
  if (const WbxmlElement* e = data.child(em::kCc)) item->cc = std::string(e->content());
  if (const WbxmlElement* e = data.child(em2::kBcc)) item->bcc = std::string(e->content());
  if (const WbxmlElement* e = data.child(em::kSubject)) item->subject = std::string(e->content());
  std::string_view importance = data.child_text(em::kImportance);
  if (importance == "0" || importance == "1" || importance == "2")
    item->importance = importance[0] - '0';
  if (const WbxmlElement* body = data.child(asb::kBody)) {
    Status st = read_body(*body, item);
    if (!st.is_ok()) return st;
  }
  item->send = data.child(em2::kSend) != nullptr;
  const WbxmlElement* atts = data.child(asb::kAttachments);
  if (!atts) return Status::ok();
  for (const auto& e : atts->children()) {
    if (e.is(asb::kDelete)) {
      // MS-ASAIRS 2.2.2.7.2 Delete names the attachment by the FileReference Sync gave it:
      // "<ServerId>:<IMAP section>" (email_item.h).
      std::string_view ref = e.child_text(asb::kFileReference);
      if (ref.size() <= server_id.size() + 1 || ref.substr(0, server_id.size()) != server_id ||
          ref[server_id.size()] != ':')
        return Status::invalid_argument("attachment reference of another item");
      std::string_view section = ref.substr(server_id.size() + 1);
      auto& list = item->attachment_adds;
      auto gone = std::find_if(list.begin(), list.end(), [&](const ClientAttachmentAdd& a) {
        return !a.section.empty() && a.section == section;
      });
      if (gone == list.end()) return Status::invalid_argument("no such attachment");
      list.erase(gone);
    } else if (e.is(asb::kAdd)) {
      auto a = read_attachment_add(e);
      if (!a.is_ok()) return a.status();
      item->attachment_adds.push_back(std::move(a).value());
    }
  }
  return Status::ok();
}

std::vector<std::pair<std::string, std::string>> new_attachment_sections(
    const ClientEmailItem& item, std::string_view message) {
  std::vector<std::pair<std::string, std::string>> out;
  auto parsed = mime::MimeMessage::parse(message);
  if (!parsed.is_ok()) return out;
  std::vector<mime::EasAttachment> listed = mime::list_attachments(*parsed);
  // compose_client_email writes the attachments after the body in item order.
  if (listed.size() != item.attachment_adds.size()) return out;
  for (size_t k = 0; k < listed.size(); ++k) {
    const ClientAttachmentAdd& a = item.attachment_adds[k];
    if (a.section.empty() && !a.client_id.empty())
      out.emplace_back(a.client_id, listed[k].file_reference);
  }
  return out;
}

Result<ClientEmailItem> parse_client_email_item(const WbxmlElement& data,
                                                std::string_view class_name) {
  ClientEmailItem item;
  item.to = std::string(data.child_text(em::kTo));
  item.cc = std::string(data.child_text(em::kCc));
  item.bcc = std::string(data.child_text(em2::kBcc));
  item.from = std::string(data.child_text(em::kFrom));
  item.subject = std::string(data.child_text(em::kSubject));
  std::string_view importance = data.child_text(em::kImportance);
  if (importance == "0" || importance == "2") item.importance = importance[0] - '0';
  item.read = data.child_text(em::kRead) == "1";
  if (auto when = parse_eas_datetime(data.child_text(em::kDateReceived)))
    item.date_received = *when;
  item.sms = class_name == "SMS" || data.child_text(em::kMessageClass) == kSmsMessageClass;
  item.send = data.child(em2::kSend) != nullptr;
  if (const WbxmlElement* body = data.child(asb::kBody)) {
    Status st = read_body(*body, &item);
    if (!st.is_ok()) return st;
  }
  if (const WbxmlElement* atts = data.child(asb::kAttachments)) {
    for (const auto& e : atts->children()) {
      if (e.is(asb::kAdd)) {
        auto a = read_attachment_add(e);
        if (!a.is_ok()) return a.status();
        item.attachment_adds.push_back(std::move(a).value());
      } else if (e.is(asb::kDelete)) {
        item.attachment_deletes.emplace_back(e.child_text(asb::kFileReference));
      }
    }
  }
  if (item.to.empty() && item.cc.empty() && item.bcc.empty() && item.subject.empty() &&
      item.body.empty() && item.attachment_adds.empty())
    return Status::invalid_argument("empty item");
  return item;
}

std::string compose_client_email(const ClientEmailItem& item, std::string_view user_address,
                                 int64_t now) {
  mime::ensure_gmime_initialized();
  GPtr<GMimeMessage> m(g_mime_message_new(TRUE));
  const std::string user(user_address);
  add_addresses(m.get(), GMIME_ADDRESS_TYPE_FROM, item.from.empty() ? user : item.from);
  // A received SMS that names no recipient was received by the user.
  add_addresses(m.get(), GMIME_ADDRESS_TYPE_TO, item.to.empty() && item.sms ? user : item.to);
  add_addresses(m.get(), GMIME_ADDRESS_TYPE_CC, item.cc);
  add_addresses(m.get(), GMIME_ADDRESS_TYPE_BCC, item.bcc);
  if (!item.subject.empty()) g_mime_message_set_subject(m.get(), item.subject.c_str(), "utf-8");
  GDateTime* date = g_date_time_new_from_unix_utc(item.date_received ? item.date_received : now);
  if (date) {
    g_mime_message_set_date(m.get(), date);
    g_date_time_unref(date);
  }
  size_t at = user.rfind('@');
  std::string domain = at == std::string::npos ? "easgate.invalid" : user.substr(at + 1);
  char* id = g_mime_utils_generate_message_id(domain.c_str());
  g_mime_message_set_message_id(m.get(), id);
  g_free(id);
  // RFC 2156 / RFC 4021 Importance: what email_fields reads back as email:Importance.
  if (item.importance != 1)
    g_mime_object_set_header(GMIME_OBJECT(m.get()), "Importance",
                             item.importance == 2 ? "high" : "low", nullptr);
  if (item.sms) {
    GMimeObject* top = GMIME_OBJECT(m.get());
    g_mime_object_set_header(top, kSmsClassHeader, kSmsMessageClass, nullptr);
    // Phone numbers are not RFC 5322 addresses: keep what the device wrote, verbatim.
    if (!item.from.empty())
      g_mime_object_set_header(top, mime::kSmsFromHeader, one_line(item.from).c_str(), "utf-8");
    if (!item.to.empty())
      g_mime_object_set_header(top, mime::kSmsToHeader, one_line(item.to).c_str(), "utf-8");
  }

  GMimeTextPart* text = g_mime_text_part_new_with_subtype(item.html ? "html" : "plain");
  g_mime_text_part_set_charset(text, "utf-8");
  g_mime_text_part_set_text(text, item.body.c_str());
  g_mime_part_set_content_encoding(
      GMIME_PART(text),
      g_mime_part_get_best_content_encoding(GMIME_PART(text), GMIME_ENCODING_CONSTRAINT_7BIT));
  if (item.attachment_adds.empty()) {
    g_mime_message_set_mime_part(m.get(), GMIME_OBJECT(text));
    g_object_unref(text);
  } else {
    GMimeMultipart* mixed = g_mime_multipart_new_with_subtype("mixed");
    g_mime_multipart_add(mixed, GMIME_OBJECT(text));
    g_object_unref(text);
    for (const auto& a : item.attachment_adds) {
      GMimeObject* part = attachment_part(a);
      g_mime_multipart_add(mixed, part);
      g_object_unref(part);
    }
    g_mime_message_set_mime_part(m.get(), GMIME_OBJECT(mixed));
    g_object_unref(mixed);
  }
  return serialize(GMIME_OBJECT(m.get()));
}

}  // namespace easgate
