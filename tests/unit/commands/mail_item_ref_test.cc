#include <doctest/doctest.h>

#include <chrono>

#include "gateway/commands/mail_item_ref.h"
#include "gateway/store/sqlite/sqlite_state_store.h"

namespace easgate {
namespace {

struct Fixture {
  std::unique_ptr<StateStore> store;
  DeviceKey device{"alice@example.test", "DEV1"};

  Fixture() {
    auto opened = open_sqlite_state_store(":memory:");
    REQUIRE(opened.is_ok());
    store = std::move(opened.value());
    auto now = std::chrono::system_clock::now();
    REQUIRE(store->upsert_device_seen(device, "iPhone", "ua", "16.1", now).is_ok());
    FolderHierarchySnapshot snap;
    snap.sync_key = 1;
    snap.folders = {{"1", "0", "Inbox", 2, "imap:INBOX", "uidvalidity:7"},
                    {"2", "0", "Calendar", 8, "dav:/alice/calendar/", "href:/alice/calendar/"},
                    {"3", "1", "Sub", 12, "imap:INBOX/Sub", "uidvalidity:9"}};
    REQUIRE(store->commit_folder_hierarchy(device, snap).is_ok());
  }
};

TEST_CASE("collection_of_item and uidvalidity_from_identity") {
  CHECK(collection_of_item("12:345") == "12");
  CHECK(collection_of_item("a:b:3") == "a:b");
  CHECK(collection_of_item("12") == "");
  CHECK(collection_of_item(":3") == "");
  CHECK(uidvalidity_from_identity("uidvalidity:1234") == 1234);
  CHECK(uidvalidity_from_identity("77") == 77);
  CHECK(uidvalidity_from_identity("mailboxid:abc") == 0);
  CHECK(uidvalidity_from_identity("") == 0);
  CHECK(uidvalidity_from_identity("99999999999") == 0);  // overflow is not a UIDVALIDITY
}

TEST_CASE("find_folder and imap_mailbox_of follow the current hierarchy") {
  Fixture f;
  auto inbox = find_folder(*f.store, f.device, "1");
  REQUIRE(inbox.is_ok());
  CHECK(imap_mailbox_of(*inbox) == std::optional<std::string>("INBOX"));
  auto cal = find_folder(*f.store, f.device, "2");
  REQUIRE(cal.is_ok());
  CHECK_FALSE(imap_mailbox_of(*cal).has_value());
  CHECK(find_folder(*f.store, f.device, "9").status().kind() == ErrorKind::kNotFound);
  DeviceKey other{"bob@example.test", "DEV1"};
  CHECK(find_folder(*f.store, other, "1").status().kind() == ErrorKind::kNotFound);
}

TEST_CASE("LongId round trip and rejection of malformed ids") {
  Fixture f;
  std::string id = make_long_id("3", 9, 42);
  auto ref = resolve_long_id(*f.store, f.device, id);
  REQUIRE(ref.is_ok());
  CHECK(ref->collection_id == "3");
  CHECK(ref->mailbox.name == "INBOX/Sub");
  CHECK(ref->mailbox.uidvalidity == 9);
  CHECK(ref->uid == 42);
  for (const char* bad : {"", "3", "3:9", "3:9:0", "3:x:4", "9:1:1", "2:1:1", ":1:2", "3:9:4x"}) {
    CAPTURE(bad);
    CHECK_FALSE(resolve_long_id(*f.store, f.device, bad).is_ok());
  }
}

TEST_CASE("resolve_mail_item maps a ServerId through the collection's item map") {
  Fixture f;
  CollectionKey key{f.device.user_id, f.device.device_id, "1"};
  CollectionCommit commit;
  commit.folder_identity = "uidvalidity:7";
  commit.items.add_backend_ids = {"101", "102"};
  commit.now = std::chrono::system_clock::now();
  auto committed = f.store->commit_collection_generation(key, commit);
  REQUIRE(committed.is_ok());
  REQUIRE(committed->added_server_ids.size() == 2);
  auto ref = resolve_mail_item(*f.store, f.device, "1", committed->added_server_ids[1]);
  REQUIRE(ref.is_ok());
  CHECK(ref->uid == 102);
  CHECK(ref->mailbox.name == "INBOX");
  CHECK(ref->mailbox.uidvalidity == 7);
  CHECK(resolve_mail_item(*f.store, f.device, "1", "1:999").status().kind() ==
        ErrorKind::kNotFound);
  // A folder never synced has no items; a DAV folder is not mail.
  CHECK(resolve_mail_item(*f.store, f.device, "3", "3:1").status().kind() ==
        ErrorKind::kNotFound);
  CHECK(resolve_mail_item(*f.store, f.device, "2", "2:1").status().kind() ==
        ErrorKind::kUnsupported);
}

}  // namespace
}  // namespace easgate
