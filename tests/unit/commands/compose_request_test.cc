#include <doctest/doctest.h>

#include "gateway/commands/compose_common.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"

namespace easgate {
namespace {

namespace cm = tag::compose_mail;

HttpRequest wbxml_request(const WbxmlElement& root) {
  WbxmlDocument doc;
  doc.root = root;
  HttpRequest http;
  http.body = encode_wbxml(doc);
  return http;
}

EasRequest eas_at(ProtocolVersion v) {
  EasRequest eas;
  eas.version = v;
  return eas;
}

TEST_CASE("14.1 ComposeMail form: ClientId, flags, Source, opaque Mime") {
  WbxmlElement root(cm::kSmartReply);
  root.add_text(cm::kClientId, "c1");
  root.add_child(cm::kSaveInSentItems);
  WbxmlElement& source = root.add_child(cm::kSource);
  source.add_text(cm::kFolderId, "5");
  source.add_text(cm::kItemId, "5:7");
  root.add_opaque(cm::kMime, "To: bob@example.test\r\n\r\nhi");
  auto r = parse_compose_request(ComposeKind::kSmartReply, eas_at(ProtocolVersion::v14_1()),
                                 wbxml_request(root));
  REQUIRE(r.is_ok());
  CHECK(r->wbxml_form);
  CHECK(r->client_id == "c1");
  CHECK(r->save_in_sent);
  CHECK_FALSE(r->replace_mime);
  CHECK(r->folder_id == "5");
  CHECK(r->item_id == "5:7");
  CHECK(r->mime == "To: bob@example.test\r\n\r\nhi");
}

TEST_CASE("14.1 form: missing parts get the spec's statuses") {
  WbxmlElement no_client(cm::kSendMail);
  no_client.add_text(cm::kMime, "x");
  auto r = parse_compose_request(ComposeKind::kSendMail, eas_at(ProtocolVersion::v16_1()),
                                 wbxml_request(no_client));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().eas_status() == kComposeInvalidXml);

  WbxmlElement no_source(cm::kSmartForward);
  no_source.add_text(cm::kClientId, "c");
  no_source.add_text(cm::kMime, "x");
  r = parse_compose_request(ComposeKind::kSmartForward, eas_at(ProtocolVersion::v14_0()),
                            wbxml_request(no_source));
  CHECK(r.status().eas_status() == kComposeInvalidXml);

  HttpRequest garbage;
  garbage.body = "\x03\x01\x6a";  // truncated WBXML
  r = parse_compose_request(ComposeKind::kSendMail, eas_at(ProtocolVersion::v14_1()), garbage);
  CHECK(r.status().eas_status() == kComposeInvalidWbxml);

  WbxmlElement wrong_root(cm::kSendMail);
  wrong_root.add_text(cm::kClientId, "c");
  wrong_root.add_text(cm::kMime, "x");
  r = parse_compose_request(ComposeKind::kSmartReply, eas_at(ProtocolVersion::v14_1()),
                            wbxml_request(wrong_root));
  CHECK(r.status().eas_status() == kComposeInvalidXml);
}

TEST_CASE("12.1 MIME form takes its parameters from the query") {
  EasRequest eas = eas_at(ProtocolVersion::v12_1());
  eas.save_in_sent = true;
  eas.item_id = "5:9";
  eas.collection_id = "5";
  HttpRequest http;
  http.body = "To: bob@example.test\r\n\r\nhi";
  auto r = parse_compose_request(ComposeKind::kSmartForward, eas, http);
  REQUIRE(r.is_ok());
  CHECK_FALSE(r->wbxml_form);
  CHECK(r->save_in_sent);
  CHECK(r->item_id == "5:9");
  CHECK(r->mime == http.body);
  http.body.clear();
  CHECK(parse_compose_request(ComposeKind::kSendMail, eas, http).status().eas_status() ==
        kComposeInvalidContent);
}

TEST_CASE("a ClientId is sent once per device until released") {
  auto& ids = SentClientIds::instance();
  CHECK(ids.claim("u/d", "x1"));
  CHECK_FALSE(ids.claim("u/d", "x1"));
  CHECK(ids.claim("u/other", "x1"));
  ids.release("u/d", "x1");
  CHECK(ids.claim("u/d", "x1"));
}

}  // namespace
}  // namespace easgate
