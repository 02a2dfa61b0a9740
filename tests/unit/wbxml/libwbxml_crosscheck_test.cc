// Cross-check against libwbxml2 (an independent implementation) on the shared fixtures:
// same element structure and text, byte-exact re-encoding, and the same WBXML from XML.
#include <doctest/doctest.h>

#include <string>

#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"
#include "gateway/eas/wbxml/wbxml_xml.h"
#include "tests/unit/wbxml/test_support.h"

namespace easgate {
namespace {

using std::string_literals::operator""s;

std::string strip_ws(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') out += c;
  }
  return out;
}

// libwbxml writes OPAQUE as base64 text; anything else must match exactly.
void expect_same_tree(const WbxmlElement& ours, const WbxmlElement& theirs, std::string path) {
  char buf[64];
  path += "/";
  path += tag_display_name(ours.tag(), buf);
  CAPTURE(path);
  REQUIRE(ours.tag() == theirs.tag());
  if (ours.has_opaque()) {
    bool same = theirs.content() == ours.content() ||
                strip_ws(theirs.content()) == base64_encode(ours.content());
    CHECK(same);
  } else {
    CHECK(ours.text() == theirs.text());
  }
  REQUIRE(ours.children().size() == theirs.children().size());
  for (size_t i = 0; i < ours.children().size(); ++i) {
    expect_same_tree(ours.children()[i], theirs.children()[i], path);
  }
}

void cross_check_decode(const std::string& wbxml, bool airsync, const std::string& label) {
  CAPTURE(label);
  auto ours = decode_wbxml(wbxml);
  REQUIRE_MESSAGE(ours.is_ok(), ours.status().to_string());
  std::string xml;
  REQUIRE_MESSAGE(wbxml_test::libwbxml_to_xml(wbxml, airsync, &xml), xml);
  XmlParseOptions o;
  o.opaque = XmlOpaqueForm::kBase64;
  auto theirs = parse_xml(xml, o);
  REQUIRE_MESSAGE(theirs.is_ok(), theirs.status().to_string() << "\n" << xml.substr(0, 400));
  expect_same_tree(ours->root, theirs->root, "");
}

TEST_CASE("libwbxml fixtures: same tree as libwbxml2, byte-exact re-encoding") {
  auto names = wbxml_test::list_data_dir("fixtures/libwbxml-wbxml", ".wbxml");
  REQUIRE(names.size() == 18);
  for (const std::string& name : names) {
    std::string wbxml = wbxml_test::read_data_file("fixtures/libwbxml-wbxml/" + name);
    // airsync-* use libwbxml's older AIRSYNC language: same tokens, different DTD/namespaces.
    cross_check_decode(wbxml, name.rfind("airsync-", 0) == 0, name);
    auto ours = decode_wbxml(wbxml);
    REQUIRE(ours.is_ok());
    std::string again = encode_wbxml(*ours);
    CAPTURE(name);
    CHECK_MESSAGE(again == wbxml, wbxml_test::hex(again, 80) << "\nvs\n" << wbxml_test::hex(wbxml, 80));
  }
}

TEST_CASE("libwbxml XML fixtures: our XML->WBXML equals xml2wbxml's and the stored fixture") {
  auto names = wbxml_test::list_data_dir("fixtures/libwbxml-xml", ".xml");
  REQUIRE(names.size() == 18);
  XmlParseOptions o;
  o.opaque = XmlOpaqueForm::kBase64;  // libwbxml's convention for MIME etc.
  for (const std::string& name : names) {
    CAPTURE(name);
    std::string xml = wbxml_test::read_data_file("fixtures/libwbxml-xml/" + name);
    auto ours = parse_xml(xml, o);
    REQUIRE_MESSAGE(ours.is_ok(), ours.status().to_string());
    std::string our_bytes = encode_wbxml(*ours);
    std::string stored = wbxml_test::read_data_file(
        "fixtures/libwbxml-wbxml/" + name.substr(0, name.size() - 4) + ".wbxml");
    CHECK_MESSAGE(our_bytes == stored, wbxml_test::hex(our_bytes, 80) << "\nvs\n"
                                                                      << wbxml_test::hex(stored, 80));
    std::string theirs;
    if (wbxml_test::libwbxml_from_xml(xml, &theirs)) {
      auto a = decode_wbxml(theirs);
      REQUIRE_MESSAGE(a.is_ok(), a.status().to_string());
      CHECK(a->root == ours->root);
    } else {
      MESSAGE("xml2wbxml could not encode " << name << ": " << theirs);
    }
  }
}

// MS-ASWBXML fragments from Horde start inside a document; wrap them in a header, a root
// AirSync:ApplicationData (when they are its children) and the closing END.
std::string wrap_fragment(const std::string& name, const std::string& body) {
  std::string h = "\x03\x01\x6A\x00"s;
  if (static_cast<uint8_t>(body[0]) == 0x5D) return h + body;  // starts at ApplicationData
  return h + "\x5D"s + body + "\x01"s;
  (void)name;
}

TEST_CASE("Horde fragments decode, match libwbxml2 and re-encode") {
  auto names = wbxml_test::list_data_dir("fixtures/horde-activesync", ".wbxml");
  REQUIRE(names.size() == 7);
  for (const std::string& name : names) {
    CAPTURE(name);
    std::string raw = wbxml_test::read_data_file("fixtures/horde-activesync/" + name);
    REQUIRE(!raw.empty());
    std::string doc = wrap_fragment(name, raw);
    auto ours = decode_wbxml(doc);
    REQUIRE_MESSAGE(ours.is_ok(), ours.status().to_string() << "\n" << wbxml_test::hex(doc, 40));
    cross_check_decode(doc, false, name);
    auto again = decode_wbxml(encode_wbxml(*ours));
    REQUIRE(again.is_ok());
    CHECK(*again == *ours);
  }
}

TEST_CASE("Horde default_policies: WBXML fragment equals its XML form") {
  std::string doc = wrap_fragment(
      "default_policies", wbxml_test::read_data_file("fixtures/horde-activesync/default_policies.wbxml"));
  auto ours = decode_wbxml(doc);
  REQUIRE_MESSAGE(ours.is_ok(), ours.status().to_string());
  const WbxmlElement* provdoc = ours->root.child(tag::provision::kEASProvisionDoc);
  REQUIRE(provdoc != nullptr);
  CHECK(provdoc->child_text(tag::provision::kDevicePasswordEnabled) == "0");
}

}  // namespace
}  // namespace easgate
