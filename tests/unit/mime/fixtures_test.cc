// Every Horde ActiveSync .eml fixture and the dev-stack-style seed messages, converted to
// the Email class with the values MS-ASEMAIL expects.

#include <doctest/doctest.h>

#include "backends/mime/attachments.h"
#include "backends/mime/email_body.h"
#include "backends/mime/email_fields.h"
#include "tests/unit/mime/test_support.h"

namespace easgate::mime {
using test::horde;
using test::parse_ok;
using test::seed;

TEST_CASE("plain text message: addresses, dates, class, flowed body") {
  auto m = parse_ok(horde("email_plain.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.from == "\"Michael J Rubinsky\" <mrubinsk@horde.org>");
  CHECK(f.to == "mrubinsk@horde.org");
  CHECK(f.reply_to == "mrubinsk@horde.org");
  CHECK(f.subject == "Subject");
  CHECK(format_eas_date(f.date_received) == "2014-09-08T14:26:50.000Z");
  CHECK(f.display_to == "mrubinsk@horde.org");
  CHECK(f.message_class == "IPM.Note");
  CHECK(f.content_class == "urn:content-classes:message");
  CHECK(f.native_body_type == NativeBodyType::kPlain);
  CHECK(f.internet_cpid == 65001);
  CHECK(f.importance == Importance::kNormal);
  CHECK(f.message_id == "20140908102650.Horde.1eE5viMIP-X-AwWHvBqf6A9@h4.theupstairsroom.com");
  CHECK(f.conversation_id == conversation_id_for(f.message_id));
  CHECK(f.conversation_id.size() == 16);
  CHECK(f.conversation_index == conversation_index_header(f.date_received));
  CHECK_FALSE(f.has_attachments);
  auto body = make_body(m, {BodyType::kPlain, std::nullopt, false, 0});
  CHECK(body.type == BodyType::kPlain);
  CHECK(body.data.rfind("Foo\r\n", 0) == 0);
  CHECK_FALSE(body.truncated);
}

TEST_CASE("INTERNALDATE wins over Date; ReceivedAsBcc from the user's addresses") {
  auto m = parse_ok(horde("email_plain.eml"));
  EmailContext ctx;
  ctx.internal_date = 1700000000;
  ctx.user_addresses = {"MRUBINSK@horde.org"};
  auto f = extract_email_fields(m, ctx);
  CHECK(f.date_received == 1700000000);
  CHECK_FALSE(f.received_as_bcc);
  ctx.user_addresses = {"someone.else@horde.org"};
  CHECK(extract_email_fields(m, ctx).received_as_bcc);
}

TEST_CASE("S/MIME signed: MultipartSigned class, body readable, signature not listed") {
  auto m = parse_ok(horde("email_signed.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.message_class == "IPM.Note.SMIME.MultipartSigned");
  CHECK(m.smime_signed());
  CHECK(list_attachments(m).empty());
  CHECK(make_body(m, {}).data.rfind("S/MIME Signed.", 0) == 0);
  CHECK(should_send_mime(m, MimeSupport::kSmimeOnly));
  CHECK_FALSE(should_send_mime(m, MimeSupport::kNever));
}

TEST_CASE("S/MIME signed with attachment: the PNG is listed with its stated size") {
  auto m = parse_ok(horde("signed_attachment.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.message_class == "IPM.Note.SMIME.MultipartSigned");
  auto atts = list_attachments(m);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].display_name == "foxtrotjobs.png");
  CHECK(atts[0].file_reference == "1.2");
  CHECK(atts[0].method == AttachmentMethod::kNormal);
  CHECK(atts[0].estimated_data_size == 57902);  // Content-Disposition size= (RFC 2183)
  CHECK_FALSE(atts[0].is_inline);
  auto content = extract_attachment(m, "1.2");
  REQUIRE(content.is_ok());
  CHECK(content->content_type == "image/png");
  CHECK(content->data.size() == 57902);
  CHECK(content->data.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
}

TEST_CASE("S/MIME encrypted: IPM.Note.SMIME, no body, MIME for S/MIME-capable devices") {
  auto m = parse_ok(horde("encrypted.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.message_class == "IPM.Note.SMIME");
  CHECK(f.from == "olivier.paroz@swisscontractors.co.uk");
  CHECK(f.to == "\"Michael J Rubinsky\" <mrubinsk@horde.org>");
  CHECK(f.subject == "Encrypted message from BB 10.2.1 via Horde 5.1");
  CHECK(list_attachments(m).empty());
  CHECK(make_body(m, {}).data.empty());
  CHECK(should_send_mime(m, MimeSupport::kSmimeOnly));
  auto mime = make_body(m, {BodyType::kMime, std::nullopt, false, 0});
  CHECK(mime.type == BodyType::kMime);
  CHECK(mime.data == horde("encrypted.eml"));
}

TEST_CASE("iOS multipart/alternative: HTML native, plain part served for Type 1") {
  auto m = parse_ok(horde("iOSMultipartAlternative.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.native_body_type == NativeBodyType::kHtml);
  CHECK(f.to == "\"Michael Rubinsky\" <mike@theupstairsroom.com>");
  CHECK(f.display_to == "Michael Rubinsky");
  CHECK(format_eas_date(f.date_received) == "2013-01-01T23:10:37.000Z");
  auto plain = make_body(m, {BodyType::kPlain, std::nullopt, false, 0});
  CHECK(plain.data.find("This is an HTML email.") != std::string::npos);
  CHECK(plain.data.find("<b>") == std::string::npos);
  auto html = make_body(m, {BodyType::kHtml, std::nullopt, false, 0});
  CHECK(html.type == BodyType::kHtml);
  CHECK(html.data.find("This is an HTML <b>email</b>.") != std::string::npos);
  CHECK(html.estimated_data_size == html.data.size());
}

TEST_CASE("IDNA/odd addresses and RFC 2047 ISO-8859-1 subject split over two words") {
  auto m = parse_ok(horde("idna.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.subject ==
        "TT Belieferungsstart der Schulfrei-Exemplare f\xC3\xBCr das Schuljahr 2017/2018");
  CHECK(f.cc == "direktion@-abc.at, direktion@nms.-nd.abc.de");
  CHECK(f.to == "\"Jan Schneider\" <jan@horde.org>");
  CHECK(f.native_body_type == NativeBodyType::kHtml);
}

TEST_CASE("invitation: meeting request class, calendar part, Sender on behalf, ics listed") {
  auto m = parse_ok(horde("invitation_one.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.message_class == "IPM.Schedule.Meeting.Request");
  CHECK(f.content_class == "urn:content-classes:calendarmessage");
  CHECK(f.calendar.find("BEGIN:VCALENDAR") != std::string::npos);
  CHECK(f.calendar.find("METHOD:REQUEST") != std::string::npos);
  CHECK(f.sender == "\"Google Calendar\" <calendar-notification@google.com>");
  CHECK(f.reply_to == "\"Michael Rubinsky\" <mikerubinsky@gmail.com>");
  auto atts = list_attachments(m);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].display_name == "invite.ics");
  CHECK(atts[0].file_reference == "2");
  // windows-1252 body converted: the en dash in "1:30pm – 2:30pm" is U+2013.
  auto plain = make_body(m, {});
  CHECK(plain.data.find("1:30pm \xE2\x80\x93 2:30pm") != std::string::npos);
}

TEST_CASE("base64 UTF-8 alternative from Nine: subject decoded, no Message-ID") {
  auto m = parse_ok(horde("mime_encoding.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.subject == "\xC3\x83\xC3\x84\xC3\xA3\xC3\xAB");  // ÃÄãë
  CHECK(f.message_id.empty());
  CHECK(f.conversation_id == conversation_id_for(f.thread_topic));
  auto plain = make_body(m, {BodyType::kPlain, std::nullopt, false, 50});
  CHECK(plain.data.find("Sent from Nine") != std::string::npos);
  CHECK(plain.preview == "Test Sent from Nine");
}

TEST_CASE("forwarded message/rfc822: Method 5 attachment, Thread-Index conversation") {
  auto m = parse_ok(horde("rfc822_multipart.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.subject == "WG: Office");
  CHECK(f.thread_topic == "Office");
  // Thread-Index AdDu3s12f7fwGVfxSHahHMjK6vVTbgBa2iWg: GUID = bytes 6..22.
  CHECK(test::hex(f.conversation_id) == "7fb7f01957f14876a11cc8caeaf5536e");
  CHECK(test::hex(f.conversation_index) == "d0eedecd76005ada25a0");
  auto atts = list_attachments(m);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].method == AttachmentMethod::kEmbedded);
  CHECK(atts[0].file_reference == "2");
  CHECK(atts[0].content_type == "message/rfc822");
  CHECK(atts[0].display_name.size() > 4);
  CHECK(atts[0].display_name.substr(atts[0].display_name.size() - 4) == ".eml");
  auto inner = extract_attachment(m, "2");
  REQUIRE(inner.is_ok());
  CHECK(inner->data.find("Subject: Office") != std::string::npos);
  // The ISO-8859-1 HTML is served as UTF-8 and says so.
  auto html = make_body(m, {BodyType::kHtml, std::nullopt, false, 0});
  CHECK(html.data.find("charset=iso-8859-1") == std::string::npos);
  CHECK(html.data.find("charset=utf-8") != std::string::npos);
}

TEST_CASE("seed: ISO-8859-1 quoted-printable body and RFC 2047 Latin-1 subject") {
  auto m = parse_ok(seed("seed_latin1_plain.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.subject ==
        "\xC3\x84nderungen f\xC3\xBCr die \xC3\x9C"
        "bergabe (Gr\xC3\xB6\xC3\x9F"
        "e pr\xC3\xBC"
        "fen)");
  CHECK(f.from == "\"\xE7\x94\xB0\xE4\xB8\xAD \xE9\x9B\xAA\" <yuki.tanaka@example.jp>");
  auto plain = make_body(m, {});
  CHECK(plain.data.find("Viele Gr\xC3\xBC\xC3\x9F"
                        "e") != std::string::npos);
}

TEST_CASE("seed: HTML-only message converts to plain text") {
  auto m = parse_ok(seed("seed_html_only.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.native_body_type == NativeBodyType::kHtml);
  auto plain = make_body(m, {BodyType::kPlain, std::nullopt, false, 0});
  CHECK(plain.data.rfind("The test environment is back up", 0) == 0);
  CHECK(plain.data.find('<') == std::string::npos);
  CHECK(plain.data.find("Release 2.4 (39)") == std::string::npos);  // <title> is not text
}

TEST_CASE("seed: multipart/related keeps cid: and lists the image as inline") {
  auto m = parse_ok(seed("seed_related_cid.eml"));
  auto html = make_body(m, {BodyType::kHtml, std::nullopt, false, 0});
  CHECK(html.data.find("src=\"cid:img6693@seed.example.test\"") != std::string::npos);
  auto atts = list_attachments(m);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].content_id == "img6693@seed.example.test");
  CHECK(atts[0].is_inline);
  CHECK(atts[0].display_name == "chart.png");
  auto png = extract_attachment(m, atts[0].file_reference);
  REQUIRE(png.is_ok());
  CHECK(png->data.compare(0, 4, "\x89PNG") == 0);
}

TEST_CASE("seed: PDF attachment in multipart/mixed") {
  auto m = parse_ok(seed("seed_mixed_pdf.eml"));
  auto atts = list_attachments(m);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].display_name == "report-519.pdf");
  CHECK(atts[0].content_type == "application/pdf");
  auto pdf = extract_attachment(m, "2");
  REQUIRE(pdf.is_ok());
  CHECK(pdf->data.rfind("%PDF-1.4", 0) == 0);
  // The estimate stays close to the decoded size (within 5%).
  double ratio = static_cast<double>(atts[0].estimated_data_size) / pdf->data.size();
  CHECK(ratio > 0.95);
  CHECK(ratio < 1.05);
  CHECK(extract_email_fields(m, {}).has_attachments);
}

TEST_CASE("seed: reply joins its thread root's conversation") {
  auto m = parse_ok(seed("seed_reply.eml"));
  auto f = extract_email_fields(m, {});
  CHECK(f.conversation_id == conversation_id_for("<seed-000000.cbc16f01@example.test>"));
  CHECK(f.thread_topic == "Thread 1: hiring plan");
}

TEST_CASE("Importance from Importance, X-Priority and X-MSMail-Priority") {
  auto field = [](const std::string& header) {
    auto m = test::parse_ok("From: a@b.example\r\n" + header + "\r\nSubject: x\r\n\r\nbody\r\n");
    return extract_email_fields(m, {}).importance;
  };
  CHECK(field("Importance: High") == Importance::kHigh);
  CHECK(field("Importance: low") == Importance::kLow);
  CHECK(field("X-Priority: 1 (Highest)") == Importance::kHigh);
  CHECK(field("X-Priority: 5") == Importance::kLow);
  CHECK(field("X-Priority: 3") == Importance::kNormal);
  CHECK(field("X-MSMail-Priority: High") == Importance::kHigh);
  CHECK(field("X-Other: 1") == Importance::kNormal);
}

TEST_CASE("meeting cancel and replies get their message classes") {
  auto cal = [](const std::string& method, const std::string& extra) {
    auto m = test::parse_ok(
        "From: a@b.example\r\nSubject: m\r\nContent-Type: text/calendar; method=" + method +
        "\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:" + method + "\r\nBEGIN:VEVENT\r\n" + extra +
        "END:VEVENT\r\nEND:VCALENDAR\r\n");
    return extract_email_fields(m, {}).message_class;
  };
  CHECK(cal("CANCEL", "") == "IPM.Schedule.Meeting.Canceled");
  CHECK(cal("REQUEST", "") == "IPM.Schedule.Meeting.Request");
  CHECK(cal("REPLY", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:x@y\r\n") ==
        "IPM.Schedule.Meeting.Resp.Pos");
  CHECK(cal("REPLY", "ATTENDEE;PARTSTAT=DECLINED:mailto:x@y\r\n") ==
        "IPM.Schedule.Meeting.Resp.Neg");
  CHECK(cal("PUBLISH", "") == "IPM.Note");
}

TEST_CASE("normalize_subject strips stacked reply/forward prefixes") {
  CHECK(normalize_subject("Re: Fwd: AW: hello") == "hello");
  CHECK(normalize_subject("RE[2]: x") == "x");
  CHECK(normalize_subject("Regarding: x") == "Regarding: x");
  CHECK(normalize_subject("  WG:  Office ") == "Office");
}

TEST_CASE("ConversationIndex header is FILETIME bits 63..24 big-endian") {
  // 2014-09-08T14:26:50Z -> FILETIME 0x01CFCB70ED.. (top 40 bits).
  CHECK(test::hex(conversation_index_header(1410186410)) == "01cfcb70ed");
}

}  // namespace easgate::mime
