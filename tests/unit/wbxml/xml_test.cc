// XML form: rendering, parsing, and parse_xml(to_xml(t)) == t.
#include <doctest/doctest.h>

#include <string>

#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"
#include "gateway/eas/wbxml/wbxml_xml.h"
#include "tests/unit/wbxml/test_support.h"

namespace easgate {
namespace {

using std::string_literals::operator""s;

TEST_CASE("renders namespaces on the root and prefixes elsewhere") {
  WbxmlElement root(tag::air_sync::kSync);
  WbxmlElement& c = root.add_child(tag::air_sync::kCollections).add_child(tag::air_sync::kCollection);
  c.add_text(tag::air_sync::kSyncKey, "a<b&c\r\n");
  c.add_child(tag::air_sync_base::kBody).add_text(tag::air_sync_base::kType, "1");
  c.add_child(tag::air_sync::kMoreAvailable);
  std::string xml = to_xml(root);
  CHECK(xml ==
        "<Sync xmlns=\"AirSync\" xmlns:airsyncbase=\"AirSyncBase\">\n"
        "  <Collections>\n"
        "    <Collection>\n"
        "      <SyncKey>a&lt;b&amp;c&#13;\n</SyncKey>\n"
        "      <airsyncbase:Body>\n"
        "        <airsyncbase:Type>1</airsyncbase:Type>\n"
        "      </airsyncbase:Body>\n"
        "      <MoreAvailable/>\n"
        "    </Collection>\n"
        "  </Collections>\n"
        "</Sync>\n");
  auto back = parse_xml(xml);
  REQUIRE_MESSAGE(back.is_ok(), back.status().to_string());
  CHECK(back->root == root);
}

TEST_CASE("opaque content: readable for opaque-typed elements, marked otherwise") {
  WbxmlElement root(tag::compose_mail::kSendMail);
  root.add_opaque(tag::compose_mail::kMime, "Subject: hi\r\n\r\nbody\r\n");
  root.add_opaque(tag::compose_mail::kClientId, "readable");       // not typed opaque
  root.add_opaque(tag::compose_mail::kAccountId, "\x00\xFF\x01"s);  // binary
  root.add_text(tag::compose_mail::kSaveInSentItems, "\x01"s);     // text XML can't carry
  std::string xml = to_xml(root);
  CHECK(xml.find("<Mime>Subject: hi&#13;\n&#13;\nbody&#13;\n</Mime>") != std::string::npos);
  CHECK(xml.find("<ClientId easgate-content=\"opaque\">readable</ClientId>") != std::string::npos);
  CHECK(xml.find("<AccountId easgate-content=\"opaque-base64\">AP8B</AccountId>") !=
        std::string::npos);
  CHECK(xml.find("easgate-content=\"text-base64\">AQ==<") != std::string::npos);
  auto back = parse_xml(xml);
  REQUIRE_MESSAGE(back.is_ok(), back.status().to_string());
  CHECK(back->root == root);
}

TEST_CASE("a request written readably in XML becomes the expected WBXML") {
  auto doc = parse_xml(R"(<?xml version="1.0" encoding="utf-8"?>
<SendMail xmlns="ComposeMail">
  <ClientId>1</ClientId>
  <SaveInSentItems/>
  <Mime>From: a@example.test
Subject: x

body
</Mime>
</SendMail>)");
  REQUIRE_MESSAGE(doc.is_ok(), doc.status().to_string());
  const WbxmlElement* mime = doc->root.child(tag::compose_mail::kMime);
  REQUIRE(mime != nullptr);
  CHECK(mime->has_opaque());
  CHECK(mime->opaque() == "From: a@example.test\nSubject: x\n\nbody\n");
  std::string wbxml = encode_wbxml(*doc);
  CHECK(wbxml.substr(0, 16) == "\x03\x01\x6A\x00\x00\x15\x45\x51\x03" "1\x00\x01\x08\x50\xC3\x26"s);
}

TEST_CASE("libwbxml spellings and namespace forms are accepted") {
  auto doc = parse_xml(
      "<Settings xmlns=\"Settings:\"><UserInformation><EmailAddresses>"
      "<SmtpAddress>a@b</SmtpAddress><SMTPAddress>c@d</SMTPAddress>"
      "</EmailAddresses></UserInformation></Settings>");
  REQUIRE_MESSAGE(doc.is_ok(), doc.status().to_string());
  auto addrs = doc->root.child(tag::settings::kUserInformation)
                   ->child(tag::settings::kEmailAddresses)
                   ->children_named(tag::settings::kSMTPAddress);
  REQUIRE(addrs.size() == 2);
  CHECK(addrs[1]->text() == "c@d");
}

TEST_CASE("parse errors are malformed with a line") {
  auto check = [](const char* xml, const char* needle) {
    auto r = parse_xml(xml);
    CAPTURE(xml);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == ErrorKind::kMalformed);
    CAPTURE(r.status().message());
    CHECK(r.status().message().find(needle) != std::string::npos);
  };
  check("<Sync xmlns=\"AirSync\">", "not well-formed");
  check("<Sync xmlns=\"Nope\"/>", "unknown element");
  check("<Bogus/>", "unknown element");
  check("<Sync xmlns=\"AirSync\"><Bogus/></Sync>", "unknown element");
  check("<Sync xmlns=\"AirSync\">x<Collections/></Sync>", "mixed");
  check("<Sync xmlns=\"AirSync\" foo=\"1\"/>", "attribute");
  check("<Mime xmlns=\"ComposeMail\" easgate-content=\"opaque-base64\">!!</Mime>", "base64");
}

TEST_CASE("base64 helpers") {
  std::string out;
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_decode("Zm9v\nYg==", &out));
  CHECK(out == "foob");
  CHECK_FALSE(base64_decode("Zm9", &out));
  CHECK_FALSE(base64_decode("Zg==Zg==", &out));
  CHECK_FALSE(base64_decode("Z*==", &out));
}

TEST_CASE("to_xml -> parse_xml is the identity on every fixture") {
  for (const std::string& name : wbxml_test::list_data_dir("fixtures/libwbxml-wbxml", ".wbxml")) {
    CAPTURE(name);
    auto doc = decode_wbxml(wbxml_test::read_data_file("fixtures/libwbxml-wbxml/" + name));
    REQUIRE(doc.is_ok());
    for (bool indent : {true, false}) {
      XmlRenderOptions o;
      o.indent = indent;
      auto back = parse_xml(to_xml(*doc, o));
      REQUIRE_MESSAGE(back.is_ok(), back.status().to_string());
      CHECK(back->root == doc->root);
    }
  }
}

}  // namespace
}  // namespace easgate
