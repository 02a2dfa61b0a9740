// Decoder: the WBXML 1.3 features EAS uses, exact trees for small hand-made documents.
#include <doctest/doctest.h>

#include <string>

#include "gateway/eas/wbxml/wbxml_decoder.h"

namespace easgate {
namespace {

using std::string_literals::operator""s;

TEST_CASE("decodes a FolderSync request") {
  // MS-ASCMD 4.5.1: <FolderSync xmlns="FolderHierarchy"><SyncKey>0</SyncKey></FolderSync>
  auto doc = decode_wbxml("\x03\x01\x6A\x00\x00\x07\x56\x52\x03" "0\x00\x01\x01"s);
  REQUIRE(doc.is_ok());
  CHECK(doc->version == 3);
  CHECK(doc->public_id == 1);
  CHECK(doc->root.is(tag::folder_hierarchy::kFolderSync));
  REQUIRE(doc->root.children().size() == 1);
  CHECK(doc->root.child_text(tag::folder_hierarchy::kSyncKey) == "0");
  CHECK(doc->root.child(tag::folder_hierarchy::kSyncKey)->has_text());
}

TEST_CASE("empty tags, page switches, opaque with NUL bytes kept as bytes") {
  // <Sync><Collections><Collection><airsyncbase:Body/><composemail:Mime>opaque</...>
  std::string in = "\x03\x01\x6A\x00"
                   "\x45\x5C\x4F"          // Sync, Collections, Collection (page 0)
                   "\x00\x11\x0A"          // page 17, Body (no content)
                   "\x00\x15\x50\xC3\x04"  // page 21, Mime, OPAQUE len 4
                   "a\x00\xFF" "b"
                   "\x01"                  // end Mime
                   "\x00\x00\x4B\x03" "7\x00\x01"  // page 0 SyncKey "7"
                   "\x01\x01\x01"s;
  auto doc = decode_wbxml(in);
  REQUIRE_MESSAGE(doc.is_ok(), doc.status().to_string());
  const WbxmlElement* coll =
      doc->root.child(tag::air_sync::kCollections)->child(tag::air_sync::kCollection);
  REQUIRE(coll != nullptr);
  REQUIRE(coll->children().size() == 3);
  CHECK(coll->children()[0].is(tag::air_sync_base::kBody));
  CHECK(coll->children()[0].content_kind() == WbxmlContent::kNone);
  CHECK(coll->children()[1].has_opaque());
  CHECK(coll->children()[1].opaque() == "a\x00\xFF" "b"s);
  CHECK(coll->children()[1].text().empty());
  CHECK(coll->child_text(tag::air_sync::kSyncKey) == "7");
}

TEST_CASE("ENTITY and STR_T append to text; public id by string-table index") {
  // version 3, public id 0 + index 0, UTF-8, string table "-//X\0abc\0"
  std::string in = "\x03\x00\x00\x6A\x09-//X\x00" "abc\x00"
                   "\x00\x07\x56\x52"
                   "\x03" "x\x00"      // "x"
                   "\x02\x81\x63"      // ENTITY U+00E3
                   "\x83\x05"          // STR_T "abc"
                   "\x01\x01"s;
  auto doc = decode_wbxml(in);
  REQUIRE_MESSAGE(doc.is_ok(), doc.status().to_string());
  CHECK(doc->public_id == 0);
  CHECK(doc->root.child_text(tag::folder_hierarchy::kSyncKey) == "x\xC3\xA3" "abc");
}

TEST_CASE("an empty root and an empty inline string") {
  auto a = decode_wbxml("\x03\x01\x6A\x00\x00\x0D\x05"s);  // <Ping/>
  REQUIRE(a.is_ok());
  CHECK(a->root.is(tag::ping::kPing));
  auto b = decode_wbxml("\x03\x01\x6A\x00\x00\x0D\x45\x48\x03\x00\x01\x01"s);
  REQUIRE(b.is_ok());
  const WbxmlElement* hb = b->root.child(tag::ping::kHeartbeatInterval);
  REQUIRE(hb != nullptr);
  CHECK(hb->has_text());
  CHECK(hb->text().empty());
}

TEST_CASE("limits are configurable") {
  std::string nested = "\x03\x01\x6A\x00\x00\x07\x56\x52\x03" "0\x00\x01\x01"s;
  WbxmlLimits shallow;
  shallow.max_depth = 1;
  CHECK(decode_wbxml(nested, shallow).status().kind() == ErrorKind::kMalformed);
  WbxmlLimits few;
  few.max_elements = 1;
  CHECK_FALSE(decode_wbxml(nested, few).is_ok());
  WbxmlLimits tiny;
  tiny.max_string = 0;
  CHECK_FALSE(decode_wbxml(nested, tiny).is_ok());
  CHECK(decode_wbxml(nested).is_ok());
}

}  // namespace
}  // namespace easgate
