// Drafts and SMS items written by a device (client_email_item.h): parsed from the Sync
// ApplicationData, composed into RFC 5322, and read back by the same MIME layer that
// serves them to devices.
#include "gateway/commands/client_email_item.h"

#include <doctest/doctest.h>

#include "backends/mime/attachments.h"
#include "backends/mime/email_body.h"
#include "backends/mime/email_fields.h"
#include "backends/mime/mime_message.h"
#include "gateway/eas/wbxml/wbxml_xml.h"

namespace easgate {
namespace {

WbxmlDocument doc(std::string_view xml) {
  auto parsed = parse_xml(xml);
  REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
  return std::move(parsed.value());
}

constexpr char kDraft[] =
    "<ApplicationData xmlns=\"AirSync\" xmlns:email=\"Email\" xmlns:email2=\"Email2\" "
    "xmlns:airsyncbase=\"AirSyncBase\">"
    "<email:To>\"Bob Bäcker\" &lt;bob@example.test&gt;</email:To>"
    "<email2:Bcc>carol@example.test</email2:Bcc>"
    "<email:Subject>Grüße draft</email:Subject><email:Importance>2</email:Importance>"
    "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>"
    "<airsyncbase:Data>Hello Bob, ünïcode body.</airsyncbase:Data></airsyncbase:Body>"
    "<airsyncbase:Attachments><airsyncbase:Add><airsyncbase:ClientId>c1</airsyncbase:ClientId>"
    "<airsyncbase:DisplayName>notes.txt</airsyncbase:DisplayName>"
    "<airsyncbase:Content>attached bytes</airsyncbase:Content>"
    "<airsyncbase:Method>1</airsyncbase:Method>"
    "<airsyncbase:ContentType>text/plain</airsyncbase:ContentType></airsyncbase:Add>"
    "<airsyncbase:Delete><airsyncbase:FileReference>3:1:2</airsyncbase:FileReference>"
    "</airsyncbase:Delete></airsyncbase:Attachments><email2:Send/></ApplicationData>";

TEST_CASE("a 16.0 draft: parsed, composed, and read back the way devices get it") {
  auto d = doc(kDraft);
  auto item = parse_client_email_item(d.root, "Email");
  REQUIRE_MESSAGE(item.is_ok(), item.status().to_string());
  CHECK(item->send);
  CHECK(item->importance == 2);
  CHECK(item->bcc == "carol@example.test");
  REQUIRE(item->attachment_adds.size() == 1);
  CHECK(item->attachment_adds[0].client_id == "c1");
  CHECK(item->attachment_deletes == std::vector<std::string>{"3:1:2"});

  std::string raw = compose_client_email(*item, "alice@example.test", 1700000000);
  CHECK(raw.find("\r\n\r\n") != std::string::npos);
  CHECK(raw.find("Grüße") == std::string::npos);  // headers are RFC 2047 encoded
  auto m = mime::MimeMessage::parse(raw);
  REQUIRE(m.is_ok());
  mime::EasEmailFields f = mime::extract_email_fields(*m, mime::EmailContext{});
  CHECK(f.subject == "Grüße draft");
  CHECK(f.from.find("alice@example.test") != std::string::npos);
  CHECK(f.to.find("Bob Bäcker") != std::string::npos);
  CHECK(f.importance == mime::Importance::kHigh);
  CHECK(mime::plain_text_of(*m).find("ünïcode body") != std::string::npos);
  auto atts = mime::list_attachments(*m);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].display_name == "notes.txt");
  auto content = mime::extract_attachment(*m, atts[0].file_reference);
  REQUIRE(content.is_ok());
  CHECK(content->data == "attached bytes");
  // The Sync response names the new attachment by its ClientId and section.
  auto refs = new_attachment_sections(*item, raw);
  REQUIRE(refs.size() == 1);
  CHECK(refs[0].first == "c1");
  CHECK(refs[0].second == atts[0].file_reference);
}

TEST_CASE("an SMS: class SMS, sender, date, marker header") {
  auto d =
      doc("<ApplicationData xmlns=\"AirSync\" xmlns:email=\"Email\" "
          "xmlns:airsyncbase=\"AirSyncBase\"><email:From>+15551234567</email:From>"
          "<email:DateReceived>2024-03-01T08:30:00.000Z</email:DateReceived>"
          "<email:Read>1</email:Read><airsyncbase:Body><airsyncbase:Type>1"
          "</airsyncbase:Type><airsyncbase:Data>See you at 9</airsyncbase:Data>"
          "</airsyncbase:Body></ApplicationData>");
  auto item = parse_client_email_item(d.root, "SMS");
  REQUIRE(item.is_ok());
  CHECK(item->sms);
  CHECK(item->read);
  CHECK(item->date_received == 1709281800);
  std::string raw = compose_client_email(*item, "alice@example.test", 1);
  CHECK(raw.find(std::string(kSmsClassHeader) + ": " + kSmsMessageClass) != std::string::npos);
  auto m = mime::MimeMessage::parse(raw);
  REQUIRE(m.is_ok());
  mime::EasEmailFields f = mime::extract_email_fields(*m, mime::EmailContext{});
  CHECK(f.to.find("alice@example.test") != std::string::npos);  // received by the user
  CHECK(f.date_received == 1709281800);
}

TEST_CASE("items that cannot be stored are refused, not guessed") {
  auto empty = doc("<ApplicationData xmlns=\"AirSync\"/>");
  CHECK(parse_client_email_item(empty.root, "Email").status().kind() ==
        ErrorKind::kInvalidArgument);
  auto rtf =
      doc("<ApplicationData xmlns=\"AirSync\" xmlns:airsyncbase=\"AirSyncBase\">"
          "<airsyncbase:Body><airsyncbase:Type>3</airsyncbase:Type><airsyncbase:Data>x"
          "</airsyncbase:Data></airsyncbase:Body></ApplicationData>");
  CHECK_FALSE(parse_client_email_item(rtf.root, "Email").is_ok());
  auto no_content =
      doc("<ApplicationData xmlns=\"AirSync\" xmlns:airsyncbase=\"AirSyncBase\">"
          "<airsyncbase:Attachments><airsyncbase:Add><airsyncbase:DisplayName>a"
          "</airsyncbase:DisplayName></airsyncbase:Add></airsyncbase:Attachments>"
          "</ApplicationData>");
  CHECK_FALSE(parse_client_email_item(no_content.root, "Email").is_ok());
}

TEST_CASE("a draft Change is laid over the stored draft: fields replaced, attachment removed") {
  auto d = doc(kDraft);
  auto first = parse_client_email_item(d.root, "Email");
  REQUIRE(first.is_ok());
  first->attachment_adds.push_back(ClientAttachmentAdd{"c2", "second.bin", "two", "", "", false, ""});
  std::string stored = compose_client_email(*first, "alice@example.test", 1700000000);

  auto item = client_email_item_from_message(stored);
  REQUIRE_MESSAGE(item.is_ok(), item.status().to_string());
  CHECK(item->subject == "Grüße draft");
  CHECK(item->bcc.find("carol@example.test") != std::string::npos);
  CHECK(item->importance == 2);
  REQUIRE(item->attachment_adds.size() == 2);
  const std::string first_section = item->attachment_adds[0].section;
  CHECK(item->attachment_adds[1].content == "two");

  auto change = doc(
      "<ApplicationData xmlns=\"AirSync\" xmlns:email=\"Email\" "
      "xmlns:airsyncbase=\"AirSyncBase\"><email:Subject>New subject</email:Subject>"
      "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>"
      "<airsyncbase:Data>New words.</airsyncbase:Data></airsyncbase:Body>"
      "<airsyncbase:Attachments><airsyncbase:Delete><airsyncbase:FileReference>7:3:" +
      first_section +
      "</airsyncbase:FileReference></airsyncbase:Delete></airsyncbase:Attachments>"
      "</ApplicationData>");
  CHECK(has_draft_content(change.root));
  REQUIRE(apply_client_email_change(change.root, "7:3", &*item).is_ok());
  CHECK(!item->send);
  std::string raw = compose_client_email(*item, "alice@example.test", 1700000001);
  auto m = mime::MimeMessage::parse(raw);
  REQUIRE(m.is_ok());
  mime::EasEmailFields f = mime::extract_email_fields(*m, mime::EmailContext{});
  CHECK(f.subject == "New subject");
  CHECK(f.to.find("bob@example.test") != std::string::npos);  // not sent: kept
  CHECK(mime::plain_text_of(*m).find("New words.") != std::string::npos);
  auto atts = mime::list_attachments(*m);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].display_name == "second.bin");

  // A reference of another item, or to no attachment, is refused.
  auto other = doc(
      "<ApplicationData xmlns=\"AirSync\" xmlns:airsyncbase=\"AirSyncBase\">"
      "<airsyncbase:Attachments><airsyncbase:Delete><airsyncbase:FileReference>7:4:2"
      "</airsyncbase:FileReference></airsyncbase:Delete></airsyncbase:Attachments>"
      "</ApplicationData>");
  CHECK(!apply_client_email_change(other.root, "7:3", &*item).is_ok());
  auto flags_only = doc("<ApplicationData xmlns=\"AirSync\" xmlns:email=\"Email\">"
                        "<email:Read>1</email:Read></ApplicationData>");
  CHECK(!has_draft_content(flags_only.root));
}

TEST_CASE("an SMS keeps a phone-number sender verbatim and reads back as class SMS") {
  auto d = doc(
      "<ApplicationData xmlns=\"AirSync\" xmlns:email=\"Email\" "
      "xmlns:airsyncbase=\"AirSyncBase\"><email:From>\"Bob\" [MOBILE:+1 425 555 0100]"
      "</email:From><email:To>[MOBILE:+14255550199]\r\nX-Evil: 1</email:To>"
      "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>"
      "<airsyncbase:Data>hi</airsyncbase:Data></airsyncbase:Body></ApplicationData>");
  auto item = parse_client_email_item(d.root, "SMS");
  REQUIRE(item.is_ok());
  std::string raw = compose_client_email(*item, "alice@example.test", 1);
  CHECK(raw.find("\r\nX-Evil:") == std::string::npos);
  auto m = mime::MimeMessage::parse(raw);
  REQUIRE(m.is_ok());
  mime::EasEmailFields f = mime::extract_email_fields(*m, mime::EmailContext{});
  CHECK(f.message_class == "IPM.Note.Mobile.SMS");
  CHECK(f.from == "\"Bob\" [MOBILE:+1 425 555 0100]");
  CHECK(f.to.find("[MOBILE:+14255550199]") == 0);
}

}  // namespace
}  // namespace easgate
