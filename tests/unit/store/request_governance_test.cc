// load_request_governance: the pipeline's one SELECT per request must see exactly what the
// single-purpose getters see, and every admin write on the next call.

#include <doctest/doctest.h>

#include "tests/unit/store/store_test_util.h"

namespace easgate {
namespace {

using store_test::at;
using store_test::memory_store;

const DeviceKey kDev{"carol@example.test", "Dev1"};

TEST_CASE("request governance: nothing known, then user, device, exemption, revision") {
  auto store = memory_store();
  auto empty = store->load_request_governance(kDev);
  REQUIRE_MESSAGE(empty.is_ok(), empty.status().to_string());
  CHECK_FALSE(empty->user);
  CHECK_FALSE(empty->device);
  CHECK_FALSE(empty->exemption);
  CHECK(empty->user_devices == 0);
  CHECK(empty->governance_revision == *store->governance_revision());

  REQUIRE(store->upsert_device_seen(kDev, "iPhone", "ua/1", "16.1", at(1)).is_ok());
  REQUIRE(store->upsert_device_seen({kDev.user_id, "Dev2"}, "Android", "ua/2", "14.1", at(2))
              .is_ok());
  REQUIRE(store->set_user_eas_enabled(kDev.user_id, false, "left", at(3)).is_ok());
  REQUIRE(store->request_wipe(kDev, WipeKind::kAccountOnly, "admin", at(4)).is_ok());
  REQUIRE(store->set_device_policy(kDev, "strict", 77, PolicyStatus::kAcknowledged).is_ok());
  REQUIRE(store->set_device_access(kDev, DeviceAccessState::kBlocked, "lost").is_ok());
  REQUIRE(store->set_device_exemption({kDev.user_id, kDev.device_id, DeviceExemptionKind::kBlock,
                                       "no", at(5)})
              .is_ok());
  REQUIRE(store->add_access_rule({"r1", 0, "block", {{"device_type", "exact", "WP"}}, "a", at(6)})
              .is_ok());

  auto row = store->load_request_governance(kDev);
  REQUIRE_MESSAGE(row.is_ok(), row.status().to_string());
  REQUIRE(row->user);
  CHECK_FALSE(row->user->eas_enabled);
  CHECK(row->user->eas_reason == "left");
  CHECK(row->user_devices == 2);
  REQUIRE(row->exemption);
  CHECK(row->exemption->kind == DeviceExemptionKind::kBlock);
  CHECK(row->exemption->note == "no");
  CHECK(row->governance_revision == *store->governance_revision());
  CHECK(row->governance_revision != empty->governance_revision);
  REQUIRE(row->device);
  auto device = store->get_device(kDev);
  REQUIRE(device.is_ok());
  CHECK(row->device->device_type == device->device_type);
  CHECK(row->device->user_agent == "ua/1");
  CHECK(row->device->protocol_version == "16.1");
  CHECK(row->device->access_state == DeviceAccessState::kBlocked);
  CHECK(row->device->access_by_admin);
  CHECK(row->device->access_reason == "lost");
  CHECK(row->device->policy_name == "strict");
  CHECK(row->device->policy_key == 77);
  CHECK(row->device->policy_status == PolicyStatus::kAcknowledged);
  CHECK(row->device->wipe.state == WipeState::kRequested);
  CHECK(row->device->wipe.kind == WipeKind::kAccountOnly);
  CHECK(row->device->wipe.requested_by == "admin");
  CHECK(row->device->first_seen == device->first_seen);
  CHECK(row->device->last_seen == device->last_seen);

  // Another device id of the same user: user and count, no device, no exemption.
  auto other = store->load_request_governance({kDev.user_id, "Dev3"});
  REQUIRE(other.is_ok());
  CHECK(other->user);
  CHECK_FALSE(other->device);
  CHECK_FALSE(other->exemption);
  CHECK(other->user_devices == 2);
}

}  // namespace
}  // namespace easgate
