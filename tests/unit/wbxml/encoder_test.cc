// Encoder: exact bytes for built trees, and decode(encode(t)) == t.
#include <doctest/doctest.h>

#include <string>

#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"
#include "tests/unit/wbxml/test_support.h"

namespace easgate {
namespace {

using std::string_literals::operator""s;
namespace as = tag::air_sync;
namespace asb = tag::air_sync_base;

WbxmlDocument sample() {
  WbxmlDocument doc;
  doc.root = WbxmlElement(as::kSync);
  WbxmlElement& coll = doc.root.add_child(as::kCollections).add_child(as::kCollection);
  coll.add_text(as::kSyncKey, "1");
  coll.add_text(as::kCollectionId, "5");
  WbxmlElement& body = coll.add_child(asb::kBody);
  body.add_text(asb::kType, "2");
  body.add_text(asb::kData, "<p>hi</p>");
  coll.add_child(as::kMoreAvailable);
  coll.add_opaque(tag::compose_mail::kMime, "\x00\x01"s);
  return doc;
}

TEST_CASE("encodes with header, minimal page switches, empty-tag form") {
  std::string expect = "\x03\x01\x6A\x00"
                       "\x45\x5C\x4F"
                       "\x4B\x03" "1\x00\x01"
                       "\x52\x03" "5\x00\x01"
                       "\x00\x11\x4A"                  // AirSyncBase:Body
                       "\x46\x03" "2\x00\x01"
                       "\x4B\x03<p>hi</p>\x00\x01"
                       "\x01"
                       "\x00\x00\x14"                  // back to AirSync, MoreAvailable empty
                       "\x00\x15\x50\xC3\x02\x00\x01\x01"  // ComposeMail:Mime OPAQUE
                       "\x01\x01\x01"s;
  std::string got = encode_wbxml(sample());
  CHECK_MESSAGE(got == expect, wbxml_test::hex(got, 200));
}

TEST_CASE("decode(encode(tree)) == tree") {
  WbxmlDocument doc = sample();
  auto back = decode_wbxml(encode_wbxml(doc));
  REQUIRE(back.is_ok());
  CHECK(*back == doc);
}

TEST_CASE("opaque lengths use multi-byte integers") {
  WbxmlDocument doc;
  doc.root = WbxmlElement(tag::compose_mail::kSendMail);
  doc.root.add_opaque(tag::compose_mail::kMime, std::string(200, 'x'));
  std::string got = encode_wbxml(doc);
  CHECK(got.substr(4, 6) == "\x00\x15\x45\x50\xC3\x81"s);
  CHECK(static_cast<uint8_t>(got[10]) == 0x48);  // 200 = 0x81 0x48
  auto back = decode_wbxml(got);
  REQUIRE(back.is_ok());
  CHECK(*back == doc);
}

TEST_CASE("text with a NUL byte is written as opaque, nothing is truncated") {
  WbxmlDocument doc;
  doc.root = WbxmlElement(tag::ping::kPing);
  doc.root.add_text(tag::ping::kId, "a\x00" "b"s);
  auto back = decode_wbxml(encode_wbxml(doc));
  REQUIRE(back.is_ok());
  CHECK(back->root.children()[0].opaque() == "a\x00" "b"s);
}

}  // namespace
}  // namespace easgate
