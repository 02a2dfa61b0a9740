#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "gateway/sync/folder_hierarchy.h"

using namespace easgate;

namespace {

MailFolderInfo mail(std::string name, SpecialUse use = SpecialUse::kNone, uint32_t uv = 0,
                    std::string id = "") {
  MailFolderInfo m;
  m.name = name;
  size_t slash = name.rfind('/');
  m.display_name = slash == std::string::npos ? name : name.substr(slash + 1);
  m.parent_name = slash == std::string::npos ? "" : name.substr(0, slash);
  m.special_use = use;
  m.uidvalidity = uv;
  m.mailbox_id = std::move(id);
  return m;
}

DavCollection dav(std::string href, std::string name, CollectionKind kind, bool def) {
  DavCollection c;
  c.href = std::move(href);
  c.display_name = std::move(name);
  c.kind = kind;
  c.is_default = def;
  return c;
}

struct Counter {
  int next = 1;
  std::string operator()() { return std::to_string(next++); }
};

const FolderEntry* by_name(const std::vector<FolderEntry>& v, const std::string& name) {
  for (const auto& f : v) {
    if (f.display_name == name) return &f;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("types: special use and DAV defaults") {
  auto folders = backend_folders_from(
      {mail("Sent", SpecialUse::kSent), mail("INBOX", SpecialUse::kInbox),
       mail("Drafts", SpecialUse::kDrafts), mail("Trash", SpecialUse::kTrash),
       mail("Junk", SpecialUse::kJunk), mail("Old Sent", SpecialUse::kSent),
       mail("All", SpecialUse::kAll), mail("Projects")},
      {dav("/alice/calendar/", "Calendar", CollectionKind::kCalendar, true),
       dav("/alice/work/", "Work", CollectionKind::kCalendar, false),
       dav("/alice/contacts/", "Contacts", CollectionKind::kContacts, true),
       dav("/alice/tasks/", "Tasks", CollectionKind::kTasks, true),
       dav("/alice/notes/", "Notes", CollectionKind::kNotes, true)});
  REQUIRE(folders.size() == 12);  // \All is skipped
  CHECK(folders[0].backend_ref == "imap:INBOX");
  CHECK(folders[0].type == kFolderTypeInbox);
  auto type_of = [&](const std::string& ref) {
    for (const auto& f : folders) {
      if (f.backend_ref == ref) return f.type;
    }
    return -1;
  };
  CHECK(type_of("imap:Sent") == kFolderTypeSentItems);
  CHECK(type_of("imap:Old Sent") == kFolderTypeUserMail);
  CHECK(type_of("imap:Drafts") == kFolderTypeDrafts);
  CHECK(type_of("imap:Trash") == kFolderTypeDeletedItems);
  CHECK(type_of("imap:Junk") == kFolderTypeUserMail);
  CHECK(type_of("imap:Projects") == kFolderTypeUserMail);
  CHECK(type_of("dav:/alice/calendar/") == kFolderTypeCalendar);
  CHECK(type_of("dav:/alice/work/") == kFolderTypeUserCalendar);
  CHECK(type_of("dav:/alice/contacts/") == kFolderTypeContacts);
  CHECK(type_of("dav:/alice/tasks/") == kFolderTypeTasks);
  CHECK(type_of("dav:/alice/notes/") == kFolderTypeNotes);
}

TEST_CASE("first sync: all adds, parents first, parent ids resolved") {
  Counter ids;
  auto backend = backend_folders_from(
      {mail("Projects/2026", SpecialUse::kNone, 3), mail("INBOX", SpecialUse::kInbox, 1),
       mail("Projects", SpecialUse::kNone, 2)},
      {});
  auto next = assign_server_ids({}, backend, std::ref(ids));
  auto changes = diff_folder_hierarchy({}, next);
  REQUIRE(changes.added.size() == 3);
  CHECK(changes.updated.empty());
  CHECK(changes.deleted.empty());
  const FolderEntry* projects = by_name(next, "Projects");
  const FolderEntry* y2026 = by_name(next, "2026");
  REQUIRE(projects);
  REQUIRE(y2026);
  CHECK(projects->parent_server_id == "0");
  CHECK(y2026->parent_server_id == projects->server_id);
  // The parent is listed before its child.
  size_t pi = 0, ci = 0;
  for (size_t i = 0; i < changes.added.size(); ++i) {
    if (changes.added[i].server_id == projects->server_id) pi = i;
    if (changes.added[i].server_id == y2026->server_id) ci = i;
  }
  CHECK(pi < ci);
}

TEST_CASE("incremental: create, rename (same identity), delete, unchanged") {
  Counter ids;
  auto v1 = assign_server_ids(
      {}, backend_folders_from({mail("INBOX", SpecialUse::kInbox, 1), mail("A", SpecialUse::kNone, 10),
                                mail("B", SpecialUse::kNone, 11), mail("C", SpecialUse::kNone, 12)},
                               {}),
      std::ref(ids));
  std::string a_id = by_name(v1, "A")->server_id;
  std::string b_id = by_name(v1, "B")->server_id;
  std::string c_id = by_name(v1, "C")->server_id;

  // A renamed to A2 (UIDVALIDITY kept), B deleted, D created, C moved under A2.
  auto v2 = assign_server_ids(
      v1,
      backend_folders_from({mail("INBOX", SpecialUse::kInbox, 1), mail("A2", SpecialUse::kNone, 10),
                            mail("A2/C", SpecialUse::kNone, 12), mail("D", SpecialUse::kNone, 13)},
                           {}),
      std::ref(ids));
  auto changes = diff_folder_hierarchy(v1, v2);
  REQUIRE(changes.added.size() == 1);
  CHECK(changes.added[0].display_name == "D");
  REQUIRE(changes.deleted.size() == 1);
  CHECK(changes.deleted[0] == b_id);
  REQUIRE(changes.updated.size() == 2);
  CHECK(by_name(v2, "A2")->server_id == a_id);
  CHECK(by_name(v2, "C")->server_id == c_id);
  CHECK(by_name(v2, "C")->parent_server_id == a_id);

  // Same input again: nothing to report.
  auto v3 = assign_server_ids(
      v2,
      backend_folders_from({mail("INBOX", SpecialUse::kInbox, 1), mail("A2", SpecialUse::kNone, 10),
                            mail("A2/C", SpecialUse::kNone, 12), mail("D", SpecialUse::kNone, 13)},
                           {}),
      std::ref(ids));
  CHECK(diff_folder_hierarchy(v2, v3).count() == 0);
}

TEST_CASE("a folder deleted and made again under the same name is a new folder") {
  Counter ids;
  auto v1 = assign_server_ids({}, backend_folders_from({mail("X", SpecialUse::kNone, 5)}, {}),
                              std::ref(ids));
  auto v2 = assign_server_ids(v1, backend_folders_from({mail("X", SpecialUse::kNone, 6)}, {}),
                              std::ref(ids));
  auto changes = diff_folder_hierarchy(v1, v2);
  CHECK(changes.added.size() == 1);
  CHECK(changes.deleted.size() == 1);
  CHECK(v1[0].server_id != v2[0].server_id);
}

TEST_CASE("MAILBOXID wins over names; ambiguous UIDVALIDITY does not guess") {
  Counter ids;
  auto v1 = assign_server_ids(
      {}, backend_folders_from({mail("P", SpecialUse::kNone, 7, "id-p"), mail("Q", SpecialUse::kNone, 7, "")}, {}),
      std::ref(ids));
  auto v2 = assign_server_ids(
      v1, backend_folders_from({mail("P-renamed", SpecialUse::kNone, 7, "id-p")}, {}),
      std::ref(ids));
  CHECK(by_name(v2, "P-renamed")->server_id == by_name(v1, "P")->server_id);

  // Two folders with the same UIDVALIDITY vanish and two appear: no rename is guessed.
  auto w1 = assign_server_ids(
      {}, backend_folders_from({mail("M", SpecialUse::kNone, 9), mail("N", SpecialUse::kNone, 9)}, {}),
      std::ref(ids));
  auto w2 = assign_server_ids(
      w1, backend_folders_from({mail("M2", SpecialUse::kNone, 9), mail("N2", SpecialUse::kNone, 9)}, {}),
      std::ref(ids));
  auto changes = diff_folder_hierarchy(w1, w2);
  CHECK(changes.added.size() == 2);
  CHECK(changes.deleted.size() == 2);
}

TEST_CASE("DAV rename keeps the ServerId (href is the identity)") {
  Counter ids;
  auto v1 = assign_server_ids(
      {}, backend_folders_from({}, {dav("/alice/work/", "Work", CollectionKind::kCalendar, false)}),
      std::ref(ids));
  auto v2 = assign_server_ids(
      v1, backend_folders_from({}, {dav("/alice/work/", "Office", CollectionKind::kCalendar, false)}),
      std::ref(ids));
  auto changes = diff_folder_hierarchy(v1, v2);
  REQUIRE(changes.updated.size() == 1);
  CHECK(changes.updated[0].display_name == "Office");
  CHECK(changes.updated[0].server_id == v1[0].server_id);
}
