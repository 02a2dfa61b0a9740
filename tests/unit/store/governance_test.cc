// Schema 2 governance methods: admin vs rule decisions, quarantine notice claim,
// clear_wipe, device counts, personal exemptions.
#include <doctest/doctest.h>

#include "tests/unit/store/store_test_util.h"

namespace easgate {
namespace {

using store_test::at;
using store_test::memory_store;

const DeviceKey kPhone{"alice@example.test", "GOVDEV1"};

TEST_CASE("governance: a rule decision never overrides an admin decision") {
  auto store = memory_store();
  REQUIRE(store->upsert_device_seen(kPhone, "iPhone", "ua", "16.1", at(1)).is_ok());
  REQUIRE(store->record_access_decision(kPhone, DeviceAccessState::kQuarantined, "rule:q"));
  auto d = store->get_device(kPhone);
  CHECK(d->access_state == DeviceAccessState::kQuarantined);
  CHECK_FALSE(d->access_by_admin);
  REQUIRE(store->set_device_access(kPhone, DeviceAccessState::kAllowed, "admin approved"));
  REQUIRE(store->record_access_decision(kPhone, DeviceAccessState::kBlocked, "rule:b"));
  d = store->get_device(kPhone);
  CHECK(d->access_state == DeviceAccessState::kAllowed);
  CHECK(d->access_by_admin);
  REQUIRE(store->set_device_access(kPhone, DeviceAccessState::kPending, "back to rules"));
  REQUIRE(store->record_access_decision(kPhone, DeviceAccessState::kBlocked, "rule:b"));
  CHECK(store->get_device(kPhone)->access_state == DeviceAccessState::kBlocked);
  CHECK(store->record_access_decision({"x@y", "nope"}, DeviceAccessState::kBlocked, "").kind() ==
        ErrorKind::kNotFound);
}

TEST_CASE("governance: quarantine notice claimed once; counts; clear_wipe") {
  auto store = memory_store();
  REQUIRE(store->upsert_device_seen(kPhone, "iPhone", "ua", "16.1", at(1)).is_ok());
  REQUIRE(store->upsert_device_seen({kPhone.user_id, "OTHER"}, "x", "", "14.1", at(1)).is_ok());
  CHECK(*store->count_devices(kPhone.user_id) == 2);
  CHECK(*store->count_devices("nobody@example.test") == 0);
  CHECK(*store->claim_quarantine_notice(kPhone, at(5)) == true);
  CHECK(*store->claim_quarantine_notice(kPhone, at(6)) == false);
  CHECK(store->get_device(kPhone)->quarantine_notified_at == at(5));
  CHECK(store->clear_wipe(kPhone).kind() == ErrorKind::kConflict);
  REQUIRE(store->request_wipe(kPhone, WipeKind::kFull, "admin", at(7)));
  REQUIRE(store->mark_wipe_acknowledged(kPhone, at(8)));
  REQUIRE(store->clear_wipe(kPhone));
  CHECK(store->get_device(kPhone)->wipe.state == WipeState::kNone);
}

TEST_CASE("governance: personal exemptions for devices not seen yet") {
  auto store = memory_store();
  DeviceExemptionRecord e{"bob@example.test", "NEVERSEEN", DeviceExemptionKind::kBlock, "lost",
                          at(3)};
  REQUIRE(store->set_device_exemption(e));
  auto got = store->get_device_exemption({"bob@example.test", "NEVERSEEN"});
  REQUIRE(got.is_ok());
  CHECK(got->kind == DeviceExemptionKind::kBlock);
  e.kind = DeviceExemptionKind::kAllow;
  REQUIRE(store->set_device_exemption(e));
  CHECK(store->list_device_exemptions(std::nullopt)->size() == 1);
  CHECK(store->list_device_exemptions(std::string("alice@example.test"))->empty());
  REQUIRE(store->remove_device_exemption({"bob@example.test", "NEVERSEEN"}));
  CHECK(store->remove_device_exemption({"bob@example.test", "NEVERSEEN"}).kind() ==
        ErrorKind::kNotFound);
}

}  // namespace
}  // namespace easgate
