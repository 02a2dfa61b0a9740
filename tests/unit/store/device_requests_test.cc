// Schema 5: remembered Ping / Sync requests per device and the Sync ClientId record.

#include <doctest/doctest.h>

#include "tests/unit/store/store_test_util.h"

namespace easgate {
namespace {

using store_test::at;
using store_test::memory_store;

const DeviceKey kDev{"alice@example.test", "ApplDNA9"};
const CollectionKey kDrafts{"alice@example.test", "ApplDNA9", "12"};

std::unique_ptr<StateStore> store_with_device() {
  auto store = memory_store();
  REQUIRE(store->upsert_device_seen(kDev, "iPhone", "ua", "16.1", at(0)).is_ok());
  return store;
}

CollectionCommit commit_from(uint32_t base, std::vector<std::string> adds,
                             std::vector<std::string> client_ids) {
  CollectionCommit c;
  c.base_generation = base;
  c.folder_identity = "uidvalidity:1";
  c.cursor = "modseq:" + std::to_string(base);
  c.items.add_backend_ids = std::move(adds);
  c.add_client_ids = std::move(client_ids);
  c.now = at(base + 1);
  return c;
}

TEST_CASE("device requests: put, replace, get, forget; per kind; unknown device") {
  auto store = store_with_device();
  CHECK(store->get_device_request(kDev, DeviceRequestKind::kPing).status().kind() ==
        ErrorKind::kNotFound);
  REQUIRE(store->put_device_request(kDev, DeviceRequestKind::kPing, "ping-1", at(1)).is_ok());
  REQUIRE(store->put_device_request(kDev, DeviceRequestKind::kSync, std::string("s\0y", 3), at(1))
              .is_ok());
  CHECK(*store->get_device_request(kDev, DeviceRequestKind::kPing) == "ping-1");
  CHECK(*store->get_device_request(kDev, DeviceRequestKind::kSync) == std::string("s\0y", 3));
  REQUIRE(store->put_device_request(kDev, DeviceRequestKind::kPing, "ping-2", at(2)).is_ok());
  CHECK(*store->get_device_request(kDev, DeviceRequestKind::kPing) == "ping-2");
  REQUIRE(store->put_device_request(kDev, DeviceRequestKind::kPing, "", at(3)).is_ok());
  CHECK(store->get_device_request(kDev, DeviceRequestKind::kPing).status().kind() ==
        ErrorKind::kNotFound);
  CHECK(*store->get_device_request(kDev, DeviceRequestKind::kSync) == std::string("s\0y", 3));

  DeviceKey other{"alice@example.test", "Nope"};
  CHECK(store->put_device_request(other, DeviceRequestKind::kPing, "x", at(1)).kind() ==
        ErrorKind::kNotFound);
  CHECK(store->put_device_request(kDev, DeviceRequestKind::kSync, std::string(2 << 20, 'x'),
                                  at(1))
            .kind() == ErrorKind::kInvalidArgument);
  // Deleting the device deletes what it remembered.
  REQUIRE(store->delete_device(kDev).is_ok());
  REQUIRE(store->upsert_device_seen(kDev, "iPhone", "ua", "16.1", at(5)).is_ok());
  CHECK(store->get_device_request(kDev, DeviceRequestKind::kSync).status().kind() ==
        ErrorKind::kNotFound);
}

TEST_CASE("client adds: a retried request gets the recorded ServerId; pruned once acked") {
  auto store = store_with_device();
  REQUIRE(store->commit_collection_generation(kDrafts, commit_from(0, {}, {})).is_ok());
  // Key 1 carries Add c1 (UID 10) beside a server-found UID 11.
  auto g2 = store->commit_collection_generation(kDrafts, commit_from(1, {"11", "10"}, {"", "c1"}));
  REQUIRE(g2.is_ok());
  REQUIRE(g2->added_server_ids.size() == 2);
  std::string sid = g2->added_server_ids[1];
  auto rec = store->find_client_add(kDrafts, "c1");
  REQUIRE(rec.is_ok());
  REQUIRE(rec->has_value());
  CHECK((*rec)->server_id == sid);
  CHECK((*rec)->backend_id == "10");
  CHECK((*rec)->generation == 2);
  CHECK_FALSE(store->find_client_add(kDrafts, "")->has_value());

  // The response was lost: the device retries with key 1; the same Add gets the same id.
  auto again = store->commit_collection_generation(kDrafts, commit_from(1, {"10"}, {"c1"}));
  REQUIRE(again.is_ok());
  CHECK(again->generation == 2);
  REQUIRE(again->added_server_ids.size() == 1);
  CHECK(again->added_server_ids[0] == sid);
  auto back = store->lookup_by_server_ids(kDrafts, 2, {sid});
  REQUIRE(back.is_ok());
  CHECK((*back)[0] == std::optional<std::string>("10"));

  // A record naming another backend item is not reused.
  auto g3 = store->commit_collection_generation(kDrafts, commit_from(2, {"20"}, {"c1"}));
  REQUIRE(g3.is_ok());
  CHECK(g3->added_server_ids[0] != sid);
  // Key 3 proves the device has 3: records of 3 and older go.
  REQUIRE(store->commit_collection_generation(kDrafts, commit_from(3, {}, {})).is_ok());
  CHECK_FALSE(store->find_client_add(kDrafts, "c1")->has_value());

  // reset_collection and SyncKey 0 forget records too.
  REQUIRE(store->commit_collection_generation(kDrafts, commit_from(4, {"30"}, {"c2"})).is_ok());
  CHECK(store->find_client_add(kDrafts, "c2")->has_value());
  REQUIRE(store->reset_collection(kDrafts).is_ok());
  CHECK_FALSE(store->find_client_add(kDrafts, "c2")->has_value());
}

}  // namespace
}  // namespace easgate
