// ItemOperations request parsing and the multipart framing (item_operations_request.h).
#include "gateway/commands/item_operations_request.h"

#include <doctest/doctest.h>

#include <cstring>

#include "gateway/eas/wbxml/wbxml_xml.h"

namespace easgate {
namespace {

WbxmlDocument doc(std::string_view xml) {
  auto parsed = parse_xml(xml);
  REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
  return std::move(parsed.value());
}

uint32_t le32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

TEST_CASE("fetches by ServerId, LongId and FileReference; EmptyFolderContents; Move") {
  auto d = doc(
      "<ItemOperations xmlns=\"ItemOperations\" xmlns:airsync=\"AirSync\" "
      "xmlns:airsyncbase=\"AirSyncBase\" xmlns:search=\"Search\">"
      "<Fetch><Store>Mailbox</Store><airsync:CollectionId>3</airsync:CollectionId>"
      "<airsync:ServerId>3:7</airsync:ServerId><Options><airsync:MIMESupport>2"
      "</airsync:MIMESupport></Options></Fetch>"
      "<Fetch><Store>Mailbox</Store><search:LongId>3:99:7</search:LongId></Fetch>"
      "<Fetch><Store>Mailbox</Store><airsyncbase:FileReference>3:7:2</airsyncbase:FileReference>"
      "<Options><Range>0-99</Range></Options></Fetch>"
      "<EmptyFolderContents><airsync:CollectionId>4</airsync:CollectionId>"
      "<Options><DeleteSubFolders/></Options></EmptyFolderContents>"
      "<Move><ConversationId>abc</ConversationId><DstFldId>5</DstFldId></Move>"
      "</ItemOperations>");
  auto ops = parse_item_operations(d.root);
  REQUIRE(ops.size() == 5);
  CHECK(ops[0].target == FetchTarget::kItem);
  CHECK(ops[0].collection_id == "3");
  CHECK(ops[0].server_id == "3:7");
  CHECK(ops[0].options != nullptr);
  CHECK(ops[0].parse_status == kItemOpsSuccess);
  CHECK(ops[1].target == FetchTarget::kLongId);
  CHECK(ops[1].long_id == "3:99:7");
  CHECK(ops[2].target == FetchTarget::kFileReference);
  REQUIRE(ops[2].range);
  CHECK(ops[2].range->last == 99);
  CHECK(ops[3].kind == ItemOperationKind::kEmptyFolderContents);
  CHECK(ops[3].delete_subfolders);
  CHECK(ops[4].kind == ItemOperationKind::kMove);
  CHECK(ops[4].destination == "5");
  CHECK(ops[4].conversation_id == "abc");
  CHECK_FALSE(ops[4].move_always);
}

TEST_CASE("Move: an opaque ConversationId (NUL bytes included) and MoveAlways") {
  WbxmlDocument d;
  d.root = WbxmlElement(tag::item_operations::kItemOperations);
  WbxmlElement& move = d.root.add_child(tag::item_operations::kMove);
  move.add_opaque(tag::item_operations::kConversationId, std::string("\x00\x01id", 4));
  move.add_text(tag::item_operations::kDstFldId, "7");
  move.add_child(tag::item_operations::kOptions).add_child(tag::item_operations::kMoveAlways);
  auto ops = parse_item_operations(d.root);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].parse_status == kItemOpsSuccess);
  CHECK(ops[0].conversation_id == std::string("\x00\x01id", 4));
  CHECK(ops[0].move_always);
}

TEST_CASE("malformed operations get their status, not a crash") {
  auto d = doc(
      "<ItemOperations xmlns=\"ItemOperations\" xmlns:airsync=\"AirSync\" "
      "xmlns:airsyncbase=\"AirSyncBase\">"
      "<Fetch><Store>Mailbox</Store><airsync:ServerId>1:1</airsync:ServerId></Fetch>"
      "<Fetch><Store>Mailbox</Store><airsync:CollectionId>1</airsync:CollectionId>"
      "<airsync:ServerId>1:1</airsync:ServerId>"
      "<airsyncbase:FileReference>1:1:2</airsyncbase:FileReference></Fetch>"
      "<Fetch><Store>Mailbox</Store><airsyncbase:FileReference>1:1:2</airsyncbase:FileReference>"
      "<Options><Range>50-10</Range></Options></Fetch>"
      "<Fetch><airsyncbase:FileReference>1:1:2</airsyncbase:FileReference></Fetch>"
      "<EmptyFolderContents/>"
      "</ItemOperations>");
  auto ops = parse_item_operations(d.root);
  REQUIRE(ops.size() == 5);
  CHECK(ops[0].parse_status == kItemOpsProtocolError);  // ServerId without CollectionId
  CHECK(ops[1].parse_status == kItemOpsProtocolError);  // two identifiers
  CHECK(ops[2].parse_status == kItemOpsBadByteRange);
  CHECK(ops[3].parse_status == kItemOpsProtocolError);  // no Store
  CHECK(ops[4].parse_status == kItemOpsProtocolError);  // no CollectionId
}

TEST_CASE("multipart framing: count, (offset, length) pairs, then the parts") {
  std::string wbxml("\x03\x01\x6a\x00\x45\x01", 6);
  std::string out = encode_multipart(wbxml, {"hello", std::string("\0\1", 2)});
  REQUIRE(out.size() == 4 + 3 * 8 + 6 + 5 + 2);
  CHECK(le32(out, 0) == 3);
  CHECK(le32(out, 4) == 28);
  CHECK(le32(out, 8) == 6);
  CHECK(le32(out, 12) == 34);
  CHECK(le32(out, 16) == 5);
  CHECK(le32(out, 20) == 39);
  CHECK(le32(out, 24) == 2);
  CHECK(out.substr(28, 6) == wbxml);
  CHECK(out.substr(34, 5) == "hello");
  CHECK(out.substr(39, 2) == std::string("\0\1", 2));
}

}  // namespace
}  // namespace easgate
