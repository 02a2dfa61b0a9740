#include <doctest/doctest.h>

#include "gateway/commands/folder_change_common.h"
#include "gateway/sync/folder_hierarchy.h"

namespace easgate {
namespace {

std::vector<FolderEntry> tree() {
  return {{"1", "0", "Inbox", kFolderTypeInbox, "imap:INBOX", ""},
          {"2", "0", "A", kFolderTypeUserMail, "imap:A", ""},
          {"3", "2", "B", kFolderTypeUserMail, "imap:A/B", ""},
          {"4", "3", "C", kFolderTypeUserMail, "imap:A/B/C", ""},
          {"5", "2", "D", kFolderTypeUserMail, "imap:A/D", ""},
          {"6", "0", "Calendar", kFolderTypeCalendar, "dav:/c/", ""}};
}

TEST_CASE("descendants_of lists children before grandchildren") {
  auto below = descendants_of(tree(), "2");
  REQUIRE(below.size() == 3);
  CHECK(below[2] == "4");  // the grandchild comes last
  CHECK(descendants_of(tree(), "4").empty());
  CHECK(descendants_of(tree(), "nope").empty());
}

TEST_CASE("descendants_of terminates on a cycle the backend cannot produce") {
  std::vector<FolderEntry> cyclic = {{"1", "2", "x", 12, "imap:x", ""},
                                     {"2", "1", "y", 12, "imap:y", ""}};
  auto below = descendants_of(cyclic, "1");
  CHECK(below.size() <= 3);
}

TEST_CASE("special folders are the default ones") {
  auto t = tree();
  CHECK(is_special_folder(t[0]));
  CHECK_FALSE(is_special_folder(t[1]));
  CHECK(is_special_folder(t[5]));
  CHECK(find_entry(t, "5")->display_name == "D");
  CHECK(find_entry(t, "7") == nullptr);
}

}  // namespace
}  // namespace easgate
