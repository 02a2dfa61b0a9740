#include "backends/mime/attachments.h"

#include "backends/mime/charset.h"

namespace easgate::mime {
namespace {

std::string content_type_of(GMimeObject* object) {
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  if (!ct) return "application/octet-stream";
  const char* type = g_mime_content_type_get_media_type(ct);
  const char* sub = g_mime_content_type_get_media_subtype(ct);
  std::string out = std::string(type ? type : "application") + "/" + (sub ? sub : "octet-stream");
  for (char& c : out) c = g_ascii_tolower(c);
  return out;
}

// A file name for parts that do not name themselves: "attachment.<subtype>".
std::string fallback_name(GMimeObject* object, const std::string& section) {
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  const char* sub = ct ? g_mime_content_type_get_media_subtype(ct) : nullptr;
  std::string ext = sub ? sub : "bin";
  if (ext == "plain") ext = "txt";
  if (ext == "octet-stream") ext = "bin";
  if (ext == "jpeg") ext = "jpg";
  if (ext.size() > 12) ext = "bin";
  return "attachment-" + section + "." + ext;
}

std::string display_name_of(GMimeObject* object, const std::string& section) {
  if (GMIME_IS_MESSAGE_PART(object)) {
    const char* explicit_name = g_mime_object_get_content_disposition_parameter(object, "filename");
    if (explicit_name && *explicit_name) return make_valid_utf8(explicit_name);
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    const char* subject = inner ? g_mime_message_get_subject(inner) : nullptr;
    std::string name = subject && *subject ? make_valid_utf8(subject) : "message";
    return name + ".eml";
  }
  if (GMIME_IS_PART(object)) {
    const char* name = g_mime_part_get_filename(GMIME_PART(object));
    if (name && *name) return make_valid_utf8(name);
  }
  return fallback_name(object, section);
}

uint64_t estimated_size(GMimeObject* object) {
  if (GMIME_IS_MESSAGE_PART(object)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    if (!inner) return 0;
    GPtr<GMimeStream> null_stream(g_mime_stream_null_new());
    g_mime_object_write_to_stream(GMIME_OBJECT(inner), nullptr, null_stream.get());
    return GMIME_STREAM_NULL(null_stream.get())->written;
  }
  if (!GMIME_IS_PART(object)) return 0;
  // RFC 2183 2.7: the sender may state the exact size.
  if (const char* size = g_mime_object_get_content_disposition_parameter(object, "size")) {
    char* end = nullptr;
    guint64 stated = g_ascii_strtoull(size, &end, 10);
    if (end && *end == '\0' && stated > 0 && stated < (1ULL << 40)) return stated;
  }
  GMimeDataWrapper* wrapper = g_mime_part_get_content(GMIME_PART(object));
  if (!wrapper) return 0;
  GMimeStream* stream = g_mime_data_wrapper_get_stream(wrapper);
  gint64 encoded = stream ? g_mime_stream_length(stream) : 0;
  if (encoded < 0) encoded = 0;
  switch (g_mime_data_wrapper_get_encoding(wrapper)) {
    case GMIME_CONTENT_ENCODING_BASE64:
      // 4 characters carry 3 bytes; lines of 76 characters plus CRLF.
      return static_cast<uint64_t>(encoded) * 76 / 78 * 3 / 4;
    case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
      return static_cast<uint64_t>(encoded) * 9 / 10;
    default:
      return static_cast<uint64_t>(encoded);
  }
}

}  // namespace

std::vector<EasAttachment> list_attachments(const MimeMessage& message) {
  std::vector<EasAttachment> out;
  for (const auto& part : message.parts()) {
    if (part.role != PartRole::kAttachment) continue;
    EasAttachment a;
    a.file_reference = part.path;
    a.display_name = display_name_of(part.object, part.path);
    a.method = GMIME_IS_MESSAGE_PART(part.object) ? AttachmentMethod::kEmbedded
                                                  : AttachmentMethod::kNormal;
    a.estimated_data_size = estimated_size(part.object);
    const char* cid = g_mime_object_get_content_id(part.object);
    if (cid) a.content_id = make_valid_utf8(cid);
    a.content_location = header_utf8(part.object, "Content-Location");
    a.content_type = content_type_of(part.object);
    GMimeContentDisposition* d = g_mime_object_get_content_disposition(part.object);
    bool disposition_inline = d && !g_mime_content_disposition_is_attachment(d);
    // An image the HTML shows by cid: is inline (MS-ASAIRS 2.2.2.24); so is any part
    // marked inline that has a Content-ID to be referenced by.
    a.is_inline = !a.content_id.empty() && (part.in_related || disposition_inline);
    out.push_back(std::move(a));
  }
  return out;
}

Result<AttachmentContent> extract_attachment(const MimeMessage& message,
                                             std::string_view file_reference) {
  GMimeObject* object = message.object_at(file_reference);
  if (!object || GMIME_IS_MULTIPART(object)) {
    return Status::not_found("no attachment at section " + std::string(file_reference));
  }
  AttachmentContent content;
  content.content_type = content_type_of(object);
  content.file_name = display_name_of(object, std::string(file_reference));
  if (GMIME_IS_MESSAGE_PART(object)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    if (inner) {
      GPtr<GMimeStream> sink(g_mime_stream_mem_new());
      g_mime_object_write_to_stream(GMIME_OBJECT(inner), nullptr, sink.get());
      GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(sink.get()));
      content.data.assign(reinterpret_cast<const char*>(bytes->data), bytes->len);
    }
  } else {
    content.data = decoded_content(object);
  }
  return content;
}

}  // namespace easgate::mime
