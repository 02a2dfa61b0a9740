#include <doctest/doctest.h>

#include "gateway/commands/email_item.h"
#include "rules/policy/provisioning_policy.h"

using namespace easgate;
namespace as = easgate::tag::air_sync;
namespace asb = easgate::tag::air_sync_base;
namespace em = easgate::tag::email;
namespace em2 = easgate::tag::email2;

namespace {

constexpr char kMessage[] =
    "From: Alice <alice@example.test>\r\n"
    "To: Bob <bob@example.test>\r\n"
    "Subject: Quarterly numbers\r\n"
    "Message-ID: <q1@example.test>\r\n"
    "Date: Mon, 02 Jun 2025 10:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=b1\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<html><body><p>Hello <b>Bob</b>, the numbers are attached.</p></body></html>\r\n"
    "--b1\r\n"
    "Content-Type: application/pdf; name=report.pdf\r\n"
    "Content-Disposition: attachment; filename=report.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQK\r\n"
    "--b1--\r\n";

MessageSummary summary() {
  MessageSummary s;
  s.uid = 42;
  s.internal_date = 1748858400;
  s.flags.seen = true;
  s.flags.answered = true;
  s.flags.flagged = true;
  s.flags.keywords = {"Work", "$Forwarded_not", "$Category_c3a9t"};
  return s;
}

}  // namespace

TEST_CASE("Email item for 14.1: fields, HTML body, attachment with FileReference") {
  WbxmlElement out(as::kApplicationData);
  EmailItemOptions o;
  o.version = ProtocolVersion::v14_1();
  mime::BodyRequest html;
  html.type = mime::BodyType::kHtml;
  html.truncation_size = 5120;
  o.body_preferences.push_back(html);
  append_email_item(summary(), kMessage, o, "7:42", out);
  CHECK(out.child_text(em::kSubject) == "Quarterly numbers");
  CHECK(out.child_text(em::kRead) == "1");
  CHECK(out.child_text(em::kDateReceived) == "2025-06-02T10:00:00.000Z");
  const WbxmlElement* body = out.child(asb::kBody);
  REQUIRE(body);
  CHECK(body->child_text(asb::kType) == "2");
  CHECK(body->child_text(asb::kData).find("<b>Bob</b>") != std::string_view::npos);
  const WbxmlElement* atts = out.child(asb::kAttachments);
  REQUIRE(atts);
  const WbxmlElement* att = atts->child(asb::kAttachment);
  REQUIRE(att);
  CHECK(att->child_text(asb::kDisplayName) == "report.pdf");
  auto ref = parse_file_reference(att->child_text(asb::kFileReference));
  REQUIRE(ref);
  CHECK(ref->collection_id == "7");
  CHECK(ref->server_id == "7:42");
  CHECK(ref->section == "2");
  const WbxmlElement* flag = out.child(em::kFlag);
  REQUIRE(flag);
  CHECK(flag->child_text(em::kStatus) == "2");
  CHECK(out.child_text(em2::kLastVerbExecuted) == "1");
  CHECK(out.child(em2::kConversationId) != nullptr);
  const WbxmlElement* cats = out.child(em::kCategories);
  REQUIRE(cats);
  auto names = cats->children_named(em::kCategory);
  REQUIRE(names.size() == 1);  // "$Category_c3a9t" is not valid hex: not a category
  CHECK(names[0]->text() == "Work");
}

TEST_CASE("policy: no HTML, no attachments, truncation clamped") {
  ProvisioningPolicy p;
  p.allow_html_email = false;
  p.attachments_enabled = false;
  p.max_email_body_truncation_size = 1;  // KB
  EmailItemOptions o;
  mime::BodyRequest html;
  html.type = mime::BodyType::kHtml;
  o.body_preferences.push_back(html);
  apply_policy(p, &o);
  CHECK_FALSE(o.allow_html);
  CHECK(o.max_plain_truncation == 1024u);
  WbxmlElement out(as::kApplicationData);
  append_email_item(summary(), kMessage, o, "7:42", out);
  CHECK(out.child(asb::kAttachments) == nullptr);
  REQUIRE(out.child(asb::kBody));
  CHECK(out.child(asb::kBody)->child_text(asb::kType) == "1");
}

TEST_CASE("12.1 leaves out 14.0 elements; 2.5 uses email:Body") {
  EmailItemOptions o;
  o.version = ProtocolVersion::v12_1();
  WbxmlElement out(as::kApplicationData);
  append_email_item(summary(), kMessage, o, "7:42", out);
  CHECK(out.child(em2::kConversationId) == nullptr);
  CHECK(out.child(em2::kLastVerbExecuted) == nullptr);
  CHECK(out.child(asb::kBody) != nullptr);
  o.version = ProtocolVersion::v2_5();
  WbxmlElement old(as::kApplicationData);
  append_email_item(summary(), kMessage, o, "7:42", old);
  CHECK(old.child(asb::kBody) == nullptr);
  CHECK(old.child(em::kBody) != nullptr);
}

TEST_CASE("bytes that are not MIME still make an item") {
  WbxmlElement out(as::kApplicationData);
  append_email_item(summary(), std::string_view(), EmailItemOptions{}, "7:42", out);
  CHECK(out.child_text(em::kRead) == "1");
  CHECK(out.child(em::kDateReceived) != nullptr);
}

TEST_CASE("Options parsing") {
  WbxmlElement o(as::kOptions);
  WbxmlElement& p = o.add_child(asb::kBodyPreference);
  p.add_text(asb::kType, "2");
  p.add_text(asb::kTruncationSize, "5120");
  p.add_text(asb::kPreview, "999");
  o.add_child(asb::kBodyPreference).add_text(asb::kType, "7");  // ignored
  o.add_text(as::kMIMESupport, "2");
  o.add_text(as::kMIMETruncation, "1");
  EmailItemOptions r = parse_email_options(&o, ProtocolVersion::v16_1());
  REQUIRE(r.body_preferences.size() == 1);
  CHECK(r.body_preferences[0].type == mime::BodyType::kHtml);
  CHECK(r.body_preferences[0].truncation_size == 5120u);
  CHECK(r.body_preferences[0].preview_size == 255);
  CHECK(r.mime_support == mime::MimeSupport::kAlways);
  CHECK(r.mime_truncation == 4096u);
  CHECK(parse_email_options(nullptr, ProtocolVersion::v14_1()).body_preferences.empty());
}

TEST_CASE("flag state of a Change") {
  MessageFlags f;
  f.forwarded = true;
  WbxmlElement out(as::kApplicationData);
  append_email_flag_state(f, ProtocolVersion::v16_1(), out);
  CHECK(out.child_text(em::kRead) == "0");
  REQUIRE(out.child(em::kFlag));
  CHECK(out.child(em::kFlag)->children().empty());  // no flag
  CHECK(out.child_text(em2::kLastVerbExecuted) == "3");
  REQUIRE(out.child(em::kCategories));  // empty: clears the device's categories
}

TEST_CASE("categories <-> keywords round-trip") {
  CHECK(category_to_keyword("Work") == "Work");
  for (std::string name : {"Red category", "été", "$money", "a(b)", "\\Seen"}) {
    std::string k = category_to_keyword(name);
    CHECK(k.rfind("$Category_", 0) == 0);
    CHECK(keyword_to_category(k) == name);
  }
  CHECK_FALSE(keyword_to_category("$Forwarded"));
  CHECK_FALSE(keyword_to_category("\\Seen"));
  CHECK_FALSE(keyword_to_category("$Category_zz"));
}

TEST_CASE("FileReference parsing refuses what make_file_reference never makes") {
  CHECK(make_file_reference("7:42", "1.2") == "7:42:1.2");
  CHECK_FALSE(parse_file_reference("7:42"));
  CHECK_FALSE(parse_file_reference("42:1"));
  CHECK_FALSE(parse_file_reference("7:42:"));
  CHECK_FALSE(parse_file_reference("7:42:1..2x"));
  CHECK_FALSE(parse_file_reference(":42:1"));
  CHECK_FALSE(parse_file_reference(std::string(200, '1')));
}

TEST_CASE("12.0+ MIME: the Type 4 BodyPreference TruncationSize wins over MIMETruncation") {
  std::string raw = kMessage;
  EmailItemOptions o;
  o.version = ProtocolVersion::v14_1();
  o.mime_support = mime::MimeSupport::kAlways;
  o.mime_truncation = std::nullopt;  // MIMETruncation 8: whole MIME
  mime::BodyRequest pref;
  pref.type = mime::BodyType::kMime;
  pref.truncation_size = 100;
  o.body_preferences = {pref};
  WbxmlElement out(as::kApplicationData);
  append_email_item(summary(), raw, o, "7:42", out);
  REQUIRE(out.child(asb::kBody));
  CHECK(out.child(asb::kBody)->child_text(asb::kType) == "4");
  CHECK(out.child(asb::kBody)->child_text(asb::kTruncated) == "1");
  CHECK(out.child(asb::kBody)->child_text(asb::kData).size() == 100);
  // A bigger TruncationSize is not cut to a smaller MIMETruncation either.
  o.mime_truncation = 0;
  o.body_preferences[0].truncation_size = 100000;
  WbxmlElement whole(as::kApplicationData);
  append_email_item(summary(), raw, o, "7:42", whole);
  CHECK(whole.child(asb::kBody)->child(asb::kTruncated) == nullptr);
  CHECK(whole.child(asb::kBody)->child_text(asb::kData) == raw);
  // Type 4 without TruncationSize (or no Type 4 preference): MIMETruncation applies.
  o.body_preferences[0].truncation_size = std::nullopt;
  mime::BodyRequest html;
  html.type = mime::BodyType::kHtml;
  html.truncation_size = 10;
  o.body_preferences.insert(o.body_preferences.begin(), html);
  o.mime_truncation = 0;
  WbxmlElement cut(as::kApplicationData);
  append_email_item(summary(), raw, o, "7:42", cut);
  CHECK(cut.child(asb::kBody)->child_text(asb::kType) == "4");
  CHECK(cut.child(asb::kBody)->child_text(asb::kTruncated) == "1");
  CHECK(cut.child(asb::kBody)->child_text(asb::kData).empty());
  // 2.5: MIMETruncation is the only limit (email:MIMEData).
  o.version = ProtocolVersion::v2_5();
  o.body_preferences.clear();
  o.mime_truncation = 4096;
  WbxmlElement old(as::kApplicationData);
  append_email_item(summary(), raw, o, "7:42", old);
  CHECK(old.child_text(em::kMIMETruncated) == "0");
  CHECK(old.child_text(em::kMIMEData) == raw);
}

TEST_CASE("SMS messages are told by their X-EAS-Message-Class header") {
  CHECK(is_sms_message("From: x\r\nX-EAS-Message-Class: IPM.Note.Mobile.SMS\r\n\r\nhi\r\n"));
  CHECK(is_sms_message("x-eas-message-class:\r\n  IPM.Note.Mobile.SMS \r\n\r\nhi"));
  CHECK(is_sms_message("X-EAS-Message-Class: IPM.Note.Mobile.SMS\n\nhi"));
  CHECK_FALSE(is_sms_message(kMessage));
  CHECK_FALSE(is_sms_message("From: x\r\n\r\nX-EAS-Message-Class: IPM.Note.Mobile.SMS\r\n"));
  CHECK_FALSE(is_sms_message("X-EAS-Message-Class: IPM.Note\r\n\r\n"));
  CHECK_FALSE(is_sms_message(""));
}
