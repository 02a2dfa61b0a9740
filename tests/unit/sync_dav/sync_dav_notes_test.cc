#include <doctest/doctest.h>

#include "gateway/commands/sync_dav_notes.h"
#include "gateway/eas/wbxml/tags.h"

using namespace easgate;
namespace nt = tag::notes;
namespace base = tag::air_sync_base;
namespace as = tag::air_sync;

namespace {

const char kJournal[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VJOURNAL\r\nUID:n1\r\n"
    "DTSTAMP:20260101T000000Z\r\nLAST-MODIFIED:20260102T030405Z\r\nSUMMARY:Shopping\r\n"
    "DESCRIPTION:eggs\\nmilk\r\nCATEGORIES:Home,Food\r\nX-KEEP:yes\r\nEND:VJOURNAL\r\n"
    "END:VCALENDAR\r\n";

std::vector<std::string> categories(const WbxmlElement& ad) {
  std::vector<std::string> out;
  if (const WbxmlElement* cs = ad.child(nt::kCategories))
    for (const WbxmlElement* c : cs->children_named(nt::kCategory)) out.emplace_back(c->text());
  return out;
}

}  // namespace

TEST_CASE("a VJOURNAL becomes a Notes item") {
  WbxmlElement ad(as::kApplicationData);
  REQUIRE(note_to_client(kJournal, ad).is_ok());
  CHECK(ad.child_text(nt::kSubject) == "Shopping");
  CHECK(ad.child_text(nt::kMessageClass) == "IPM.StickyNote");
  CHECK(ad.child_text(nt::kLastModifiedDate) == "2026-01-02T03:04:05.000Z");
  REQUIRE(ad.child(base::kBody));
  CHECK(ad.child(base::kBody)->child_text(base::kType) == "1");
  CHECK(ad.child(base::kBody)->child_text(base::kData) == "eggs\nmilk");
  CHECK(categories(ad) == std::vector<std::string>{"Home", "Food"});
}

TEST_CASE("text without a VJOURNAL is refused") {
  WbxmlElement ad(as::kApplicationData);
  CHECK_FALSE(note_to_client("BEGIN:VCARD\r\nEND:VCARD\r\n", ad).is_ok());
  CHECK_FALSE(note_to_client("", ad).is_ok());
  CHECK_FALSE(note_to_client("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n"
                             "END:VCALENDAR\r\n", ad).is_ok());
}

TEST_CASE("a client Change is merged: mapped properties replaced, others kept") {
  WbxmlElement ad(as::kApplicationData);
  ad.add_text(nt::kSubject, "Groceries");
  WbxmlElement& body = ad.add_child(base::kBody);
  body.add_text(base::kType, "1");
  body.add_text(base::kData, "bread");
  ad.add_child(nt::kCategories).add_text(nt::kCategory, "Errands");
  auto text = note_from_client(ad, std::string(kJournal), "ignored", 1800000000);
  REQUIRE(text.is_ok());
  CHECK(text->find("UID:n1") != std::string::npos);
  CHECK(text->find("SUMMARY:Groceries") != std::string::npos);
  CHECK(text->find("DESCRIPTION:bread") != std::string::npos);
  CHECK(text->find("CATEGORIES:Errands") != std::string::npos);
  CHECK(text->find("Food") == std::string::npos);
  CHECK(text->find("eggs") == std::string::npos);
  CHECK(text->find("X-KEEP:yes") != std::string::npos);
  CHECK(text->find("LAST-MODIFIED:20270115T080000Z") != std::string::npos);
  // And back: the device sees what it wrote.
  WbxmlElement again(as::kApplicationData);
  REQUIRE(note_to_client(*text, again).is_ok());
  CHECK(again.child_text(nt::kSubject) == "Groceries");
  CHECK(categories(again) == std::vector<std::string>{"Errands"});
}

TEST_CASE("a client Add makes a new VJOURNAL named by the uid") {
  WbxmlElement ad(as::kApplicationData);
  ad.add_text(nt::kSubject, "Idea");
  auto text = note_from_client(ad, std::nullopt, "new-uid", 1800000000);
  REQUIRE(text.is_ok());
  CHECK(text->find("BEGIN:VJOURNAL") != std::string::npos);
  CHECK(text->find("UID:new-uid") != std::string::npos);
  CHECK(text->find("SUMMARY:Idea") != std::string::npos);
  CHECK(text->find("DESCRIPTION") == std::string::npos);
}

TEST_CASE("a Change against a server text without a VJOURNAL is an error, not a new object") {
  WbxmlElement ad(as::kApplicationData);
  ad.add_text(nt::kSubject, "x");
  CHECK_FALSE(note_from_client(ad, std::string("garbage"), "u", 0).is_ok());
}
