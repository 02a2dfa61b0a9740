// PushHub over the state store: the remembered Ping parameters and the cached Sync request
// outlive the process (a new hub on the same store finds them), memory answers once loaded,
// and a corrupt stored row reads as "nothing remembered".

#include <doctest/doctest.h>

#include <chrono>

#include "gateway/eas/wbxml/tags.h"
#include "gateway/push/push_hub.h"
#include "gateway/store/sqlite/sqlite_state_store.h"

using namespace easgate;

namespace {

const DeviceKey kDev{"alice@example.test", "HUBDEV1"};
const StoreTime kNow{std::chrono::seconds(1'800'000'000)};

std::unique_ptr<StateStore> store_with_device() {
  auto store = open_sqlite_state_store(":memory:");
  REQUIRE(store.is_ok());
  REQUIRE((*store)->upsert_device_seen(kDev, "iPhone", "ua", "16.1", kNow).is_ok());
  return std::move(store).value();
}

WbxmlDocument sync_request(const std::string& key) {
  namespace as = tag::air_sync;
  WbxmlDocument doc;
  doc.root = WbxmlElement(as::kSync);
  WbxmlElement& c = doc.root.add_child(as::kCollections).add_child(as::kCollection);
  c.add_text(as::kSyncKey, key);
  c.add_text(as::kCollectionId, "5");
  return doc;
}

}  // namespace

TEST_CASE("remembered Ping parameters survive a new hub on the same store") {
  auto store = store_with_device();
  {
    PushHub hub(1, PingLimits{});
    CHECK_FALSE(hub.remembered(kDev.user_id, kDev.device_id, store.get()));
    hub.remember(kDev.user_id, kDev.device_id, RememberedPing{300, {{"7", "Email"}, {"9", ""}}},
                 store.get(), kNow);
  }
  PushHub restarted(1, PingLimits{});
  CHECK_FALSE(restarted.remembered(kDev.user_id, kDev.device_id));  // memory alone: nothing
  auto r = restarted.remembered(kDev.user_id, kDev.device_id, store.get());
  REQUIRE(r);
  CHECK(r->heartbeat_seconds == 300);
  CHECK(r->folders == std::vector<PingFolder>{{"7", "Email"}, {"9", ""}});
  // Loaded once: memory answers now, even without the store.
  CHECK(restarted.remembered(kDev.user_id, kDev.device_id));
}

TEST_CASE("the cached Sync request survives a new hub; a corrupt row is refused") {
  auto store = store_with_device();
  {
    PushHub hub(1, PingLimits{});
    hub.cache_sync(kDev.user_id, kDev.device_id, sync_request("4"), store.get(), kNow);
    hub.cache_sync(kDev.user_id, kDev.device_id, sync_request("5"), store.get(), kNow);
  }
  {
    PushHub restarted(1, PingLimits{});
    auto doc = restarted.cached_sync(kDev.user_id, kDev.device_id, store.get());
    REQUIRE(doc);
    CHECK(*doc == sync_request("5"));
  }
  REQUIRE(store->put_device_request(kDev, DeviceRequestKind::kSync, "\x03garbage", kNow).is_ok());
  REQUIRE(store->put_device_request(kDev, DeviceRequestKind::kPing, "\x03garbage", kNow).is_ok());
  PushHub again(1, PingLimits{});
  CHECK_FALSE(again.cached_sync(kDev.user_id, kDev.device_id, store.get()));
  CHECK_FALSE(again.remembered(kDev.user_id, kDev.device_id, store.get()));
  // Dropping the cached request forgets the stored one too.
  again.cache_sync(kDev.user_id, kDev.device_id, std::nullopt, store.get(), kNow);
  CHECK(store->get_device_request(kDev, DeviceRequestKind::kSync).status().kind() ==
        ErrorKind::kNotFound);
}
