// libFuzzer target for the MIME -> EAS conversion: whatever the bytes, parsing, fields,
// bodies, attachments and compose must neither crash nor return invalid UTF-8.

#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "backends/mime/attachments.h"
#include "backends/mime/compose.h"
#include "backends/mime/email_body.h"
#include "backends/mime/email_fields.h"

using namespace easgate::mime;

namespace {
void require_utf8(const std::string& s) {
  if (!g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr)) abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto message = MimeMessage::parse(bytes);
  if (!message) return 0;
  EasEmailFields f = extract_email_fields(*message, {});
  for (const auto* s : {&f.to, &f.cc, &f.from, &f.subject, &f.display_to, &f.thread_topic,
                        &f.calendar, &f.sender}) {
    require_utf8(*s);
  }
  for (BodyType type : {BodyType::kPlain, BodyType::kHtml}) {
    EasBody body = make_body(*message, {type, 97, false, 40});
    require_utf8(body.data);
    require_utf8(body.preview);
    if (body.data.size() > 97) abort();
  }
  for (const auto& a : list_attachments(*message)) {
    require_utf8(a.display_name);
    (void)extract_attachment(*message, a.file_reference);
  }
  (void)envelope_recipients(bytes);
  (void)strip_bcc(bytes);
  if (size < 16 * 1024) {
    (void)compose_forward(bytes, "From: a@b\r\nSubject: f\r\n\r\nx\r\n", false);
  }
  return 0;
}
