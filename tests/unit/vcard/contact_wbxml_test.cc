#include <doctest/doctest.h>

#include <string>

#include "backends/vcard/contact_wbxml.h"
#include "backends/vcard/eas_contact.h"
#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"

namespace easgate::vcard {
namespace {

namespace c1 = tag::contacts;
namespace c2 = tag::contacts2;
namespace asb = tag::air_sync_base;

EasContact sample() {
  EasContact c;
  c.first_name = "Jane";
  c.last_name = "Doe";
  c.email1_address = "jane@example.test";
  c.mobile_phone = "+1 555 0106";
  c.home_address.street = "1 Main St\nApt 2";
  c.home_address.city = "Springfield";
  c.birthday = "1985-04-12T00:00:00.000Z";
  c.categories = {"VIP", "Golf"};
  c.children = {"Tom"};
  c.body = "line 1\nline 2 \xC3\xA9t\xC3\xA9";
  c.nick_name = "JD";
  c.im_address = "xmpp:jane@example.test";
  c.company_main_phone = "+1 555 0111";
  c.picture = "iVBORw0K";
  return c;
}

TEST_CASE("EAS -> WBXML -> EAS keeps every field, for 2.5, 12.1, 14.1 and 16.1") {
  for (ProtocolVersion v : {ProtocolVersion::v2_5(), ProtocolVersion::v12_1(),
                            ProtocolVersion::v14_1(), ProtocolVersion::v16_1()}) {
    CAPTURE(v.to_string());
    WbxmlElement data(tag::air_sync::kApplicationData);
    to_wbxml(sample(), v, data);
    // Through the real codec, so the tags are what a device receives.
    WbxmlDocument doc;
    doc.root = data;
    const std::string bytes = encode_wbxml(doc);
    Result<WbxmlDocument> decoded = decode_wbxml(bytes);
    REQUIRE(decoded.is_ok());
    Result<EasContact> back = contact_from_wbxml(decoded->root, v);
    REQUIRE(back.is_ok());
    CHECK(*back == sample());
    if (v >= ProtocolVersion::v12_0()) {
      const WbxmlElement* body = data.child(asb::kBody);
      REQUIRE(body);
      CHECK(body->child_text(asb::kType) == "1");
      CHECK(body->child_text(asb::kData) == "line 1\r\nline 2 \xC3\xA9t\xC3\xA9");
      CHECK(data.child(c1::kBody) == nullptr);
    } else {
      CHECK(data.child_text(c1::kBody) == "line 1\r\nline 2 \xC3\xA9t\xC3\xA9");
      CHECK(data.child(asb::kBody) == nullptr);
    }
    CHECK(data.child_text(c1::kHomeAddressStreet) == "1 Main St\r\nApt 2");
    CHECK(data.child_text(c2::kNickName) == "JD");
  }
}

TEST_CASE("body truncation cuts at a UTF-8 boundary and says so") {
  EasContact c;
  c.body = "ab\xC3\xA9";  // 4 bytes
  WbxmlElement data(tag::air_sync::kApplicationData);
  to_wbxml(c, ProtocolVersion::v14_1(), data, 3);
  const WbxmlElement* body = data.child(asb::kBody);
  REQUIRE(body);
  CHECK(body->child_text(asb::kData) == "ab");
  CHECK(body->child_text(asb::kTruncated) == "1");
  CHECK(body->child_text(asb::kEstimatedDataSize) == "4");
}

TEST_CASE("empty fields are not sent; Alias and WeightedRank only from 14.0") {
  EasContact c;
  c.alias = "jd";
  c.weighted_rank = 7;
  WbxmlElement old_data(tag::air_sync::kApplicationData);
  to_wbxml(c, ProtocolVersion::v12_1(), old_data);
  CHECK(old_data.children().empty());
  WbxmlElement data(tag::air_sync::kApplicationData);
  to_wbxml(c, ProtocolVersion::v14_1(), data);
  CHECK(data.child_text(c1::kAlias) == "jd");
  CHECK(data.child_text(c1::kWeightedRank) == "7");
}

TEST_CASE("a picture above 48 KB: not sent, and refused with status 6 from a client") {
  EasContact c;
  c.picture = std::string(kMaxPictureBase64Bytes + 4, 'A');
  WbxmlElement data(tag::air_sync::kApplicationData);
  to_wbxml(c, ProtocolVersion::v14_1(), data);
  CHECK(data.child(c1::kPicture) == nullptr);
  WbxmlElement in(tag::air_sync::kApplicationData);
  in.add_text(c1::kPicture, c.picture);
  Result<EasContact> r = contact_from_wbxml(in, ProtocolVersion::v14_1());
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().eas_status() == 6);
}

TEST_CASE("an RTF or HTML body marks the notes unreadable instead of clearing them") {
  WbxmlElement in(tag::air_sync::kApplicationData);
  in.add_text(c1::kFirstName, "X");
  WbxmlElement& body = in.add_child(asb::kBody);
  body.add_text(asb::kType, "3");
  body.add_text(asb::kData, "e1xydGYx");
  Result<EasContact> r = contact_from_wbxml(in, ProtocolVersion::v14_1());
  REQUIRE(r.is_ok());
  CHECK(r->body_unreadable);
  CHECK(r->body.empty());
  WbxmlElement bad(tag::air_sync::kApplicationData);
  bad.add_text(c1::kWeightedRank, "seven");
  CHECK_FALSE(contact_from_wbxml(bad, ProtocolVersion::v14_1()).is_ok());
}

}  // namespace
}  // namespace easgate::vcard
