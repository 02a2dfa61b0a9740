// The code page table against itself, the generated Tag constants, and libwbxml2's table.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "gateway/eas/wbxml/code_pages.h"
#include "gateway/eas/wbxml/tags.h"
#include "tests/unit/wbxml/test_support.h"

namespace easgate {
namespace {

TEST_CASE("every code page 0-25 has a namespace and tags") {
  std::set<int> pages;
  for (const TagInfo* t = all_tags().begin; t != all_tags().end; ++t) pages.insert(t->page);
  CHECK(pages.size() == 26);
  for (uint8_t p = 0; p <= kMaxCodePage; ++p) {
    REQUIRE(code_page_namespace(p) != nullptr);
    CHECK(code_page_for_namespace(code_page_namespace(p)) == p);
  }
  CHECK(code_page_namespace(26) == nullptr);
  CHECK(code_page_for_namespace("Nope") == -1);
}

TEST_CASE("table rows are ordered and unique; names unique within a page") {
  const TagInfo* prev = nullptr;
  std::set<std::pair<int, std::string>> names;
  size_t rows = 0;
  for (const TagInfo* t = all_tags().begin; t != all_tags().end; ++t, ++rows) {
    CHECK(t->token >= 0x05);
    CHECK(t->token <= 0x3F);
    if (prev != nullptr) {
      CHECK((prev->page < t->page || (prev->page == t->page && prev->token < t->token)));
    }
    CHECK(names.insert({t->page, t->name}).second);
    if (t->alias != nullptr) CHECK(names.insert({t->page, t->alias}).second);
    CHECK(find_tag(t->page, t->token) == t);
    CHECK(find_tag(code_page_namespace(t->page), t->name) == t);
    prev = t;
  }
  CHECK(rows > 640);
}

TEST_CASE("lookups by namespace and name, spec and libwbxml spellings") {
  using namespace tag;
  CHECK(find_tag("FolderHierarchy", "FolderSync")->token == folder_hierarchy::kFolderSync.token);
  CHECK(folder_hierarchy::kFolderSync == Tag{7, 0x16});
  CHECK(find_tag("Settings", "SMTPAddress") == find_tag("Settings", "SmtpAddress"));
  CHECK(find_tag("Settings:", "SmtpAddress") == find_tag(settings::kSMTPAddress));
  CHECK(find_tag("Email", "DTStamp") == find_tag(email::kDtStamp));
  CHECK(find_tag("Calendar", "DTStamp") == find_tag(calendar::kDtStamp));
  CHECK(find_tag("GAL", "Picture") == find_tag(gal::kPicture));
  CHECK(find_tag("http://synce.org/formats/airsync_wm5/airsyncbase", "Body") ==
        find_tag(air_sync_base::kBody));
  CHECK(find_tag("AirSync", "NoSuchTag") == nullptr);
  CHECK(find_tag(Tag{0, 0x3F}) == nullptr);
  CHECK(find_tag(Tag{30, 0x05}) == nullptr);
  CHECK(find_tag(compose_mail::kMime)->opaque);
  CHECK(find_tag(email2::kConversationId)->opaque);
  CHECK_FALSE(find_tag(air_sync_base::kData)->opaque);
}

}  // namespace
}  // namespace easgate

namespace easgate {
namespace {

// libwbxml2 decodes "03 01 6A 00 00 <page> <token>" to <Name xmlns="Page:"/>; its name must
// be our spec name or the recorded alias, and every token it knows must be in our table.
std::string libwbxml_name(uint8_t page, uint8_t token) {
  std::string doc("\x03\x01\x6A\x00\x00", 5);
  doc += static_cast<char>(page);
  doc += static_cast<char>(token);
  std::string xml;
  if (!wbxml_test::libwbxml_to_xml(doc, false, &xml)) return {};
  size_t lt = xml.rfind('<');
  size_t sp = xml.find(' ', lt);
  if (lt == std::string::npos || sp == std::string::npos) return {};
  std::string name = xml.substr(lt + 1, sp - lt - 1);
  return name == "unknown" ? std::string() : name;
}

TEST_CASE("table agrees with libwbxml2's ActiveSync table (pages 0-24)") {
  int compared = 0;
  for (uint8_t page = 0; page <= 24; ++page) {
    for (uint8_t token = 0x05; token <= 0x3F; ++token) {
      std::string theirs = libwbxml_name(page, token);
      const TagInfo* ours = find_tag(page, token);
      if (theirs.empty()) continue;
      CAPTURE(int(page));
      CAPTURE(int(token));
      CAPTURE(theirs);
      REQUIRE(ours != nullptr);
      CHECK((theirs == ours->name || (ours->alias != nullptr && theirs == ours->alias)));
      ++compared;
    }
  }
  CHECK(compared > 600);
}

}  // namespace
}  // namespace easgate
