#include <doctest/doctest.h>

#include "gateway/commands/sync_dav_items.h"
#include "gateway/eas/wbxml/tags.h"

using namespace easgate;
namespace as = tag::air_sync;

namespace {

const char kCard[] =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Dana Example\r\nN:Example;Dana;;;\r\n"
    "X-SOCIALPROFILE;TYPE=twitter:https://example.test/dana\r\nEND:VCARD\r\n";

const char kEvent[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:ev1\r\n"
    "DTSTAMP:20260101T000000Z\r\nDTSTART:20200115T100000Z\r\nDTEND:20200115T110000Z\r\n"
    "SUMMARY:Old\r\nX-KEEP:yes\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

DavItemContext context(CollectionKind kind) {
  DavItemContext c;
  c.kind = kind;
  c.version = ProtocolVersion::v14_1();
  c.user_email = "alice@example.test";
  return c;
}

}  // namespace

TEST_CASE("client commands of the named collection, in order, with ApplicationData") {
  WbxmlDocument doc;
  doc.root = WbxmlElement(as::kSync);
  WbxmlElement& list = doc.root.add_child(as::kCollections);
  WbxmlElement& other = list.add_child(as::kCollection);
  other.add_text(as::kCollectionId, "9");
  other.add_child(as::kCommands).add_child(as::kDelete).add_text(as::kServerId, "9:1");
  WbxmlElement& mine = list.add_child(as::kCollection);
  mine.add_text(as::kCollectionId, "4");
  WbxmlElement& cmds = mine.add_child(as::kCommands);
  WbxmlElement& add = cmds.add_child(as::kAdd);
  add.add_text(as::kClientId, "c1");
  add.add_child(as::kApplicationData).add_text(tag::contacts::kFirstName, "Eve");
  cmds.add_child(as::kFetch).add_text(as::kServerId, "4:2");
  cmds.add_child(as::kDelete).add_text(as::kServerId, "4:3");
  auto got = dav_client_commands(doc, "4");
  REQUIRE(got.size() == 3);
  CHECK(got[0].kind == DavClientCommand::Kind::kAdd);
  CHECK(got[0].client_id == "c1");
  CHECK(got[0].application_data.child_text(tag::contacts::kFirstName) == "Eve");
  CHECK(got[1].kind == DavClientCommand::Kind::kFetch);
  CHECK(got[1].server_id == "4:2");
  CHECK(got[2].kind == DavClientCommand::Kind::kDelete);
  CHECK(dav_client_commands(doc, "5").empty());
}

TEST_CASE("a contact change merges into the original card") {
  WbxmlElement data(as::kApplicationData);
  data.add_text(tag::contacts::kFirstName, "Dana");
  data.add_text(tag::contacts::kLastName, "Example");
  data.add_text(tag::contacts::kJobTitle, "Engineer");
  auto body = dav_body_from_client(context(CollectionKind::kContacts), data, std::string(kCard), "");
  REQUIRE(body.is_ok());
  CHECK(body->find("X-SOCIALPROFILE;TYPE=twitter:https://example.test/dana") != std::string::npos);
  CHECK(body->find("TITLE:Engineer") != std::string::npos);
  CHECK(body->find("UID:u1") != std::string::npos);
}

TEST_CASE("a calendar change keeps the object's UID and unknown properties") {
  WbxmlElement data(as::kApplicationData);
  data.add_text(tag::calendar::kSubject, "New");
  data.add_text(tag::calendar::kStartTime, "20200115T100000Z");
  data.add_text(tag::calendar::kEndTime, "20200115T110000Z");
  auto body = dav_body_from_client(context(CollectionKind::kCalendar), data, std::string(kEvent), "x");
  REQUIRE(body.is_ok());
  CHECK(body->find("UID:ev1") != std::string::npos);
  CHECK(body->find("X-KEEP:yes") != std::string::npos);
  CHECK(body->find("SUMMARY:New") != std::string::npos);
}

TEST_CASE("a new calendar item gets the given UID") {
  WbxmlElement data(as::kApplicationData);
  data.add_text(tag::calendar::kSubject, "Fresh");
  data.add_text(tag::calendar::kStartTime, "20300115T100000Z");
  data.add_text(tag::calendar::kEndTime, "20300115T110000Z");
  auto body = dav_body_from_client(context(CollectionKind::kCalendar), data, std::nullopt, "eas-1");
  REQUIRE(body.is_ok());
  CHECK(body->find("UID:eas-1") != std::string::npos);
}

TEST_CASE("calendar FilterType drops single events that ended before the cutoff") {
  auto c = context(CollectionKind::kCalendar);
  WbxmlElement data(as::kApplicationData);
  auto all = dav_item_to_client(c, kEvent, data);
  REQUIRE(all.is_ok());
  CHECK(*all);
  CHECK(data.child_text(tag::calendar::kSubject) == "Old");
  c.since = 1893456000;  // 2030-01-01
  WbxmlElement data2(as::kApplicationData);
  auto filtered = dav_item_to_client(c, kEvent, data2);
  REQUIRE(filtered.is_ok());
  CHECK_FALSE(*filtered);
  CHECK(data2.children().empty());
}

TEST_CASE("tasks FilterType 8 keeps incomplete tasks only") {
  const char done[] =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTODO\r\nUID:t1\r\n"
      "DTSTAMP:20260101T000000Z\r\nSUMMARY:Done\r\nSTATUS:COMPLETED\r\n"
      "COMPLETED:20260102T000000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
  auto c = context(CollectionKind::kTasks);
  WbxmlElement data(as::kApplicationData);
  auto shown = dav_item_to_client(c, done, data);
  REQUIRE(shown.is_ok());
  CHECK(*shown);
  c.incomplete_tasks_only = true;
  WbxmlElement data2(as::kApplicationData);
  auto hidden = dav_item_to_client(c, done, data2);
  REQUIRE(hidden.is_ok());
  CHECK_FALSE(*hidden);
}

TEST_CASE("unreadable text is an error, not a crash") {
  WbxmlElement data(as::kApplicationData);
  CHECK_FALSE(dav_item_to_client(context(CollectionKind::kCalendar), "garbage", data).is_ok());
  CHECK_FALSE(dav_item_to_client(context(CollectionKind::kContacts), "garbage", data).is_ok());
}
