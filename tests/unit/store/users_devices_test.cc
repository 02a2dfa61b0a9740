#include <doctest/doctest.h>

#include "gateway/store/store_enums.h"
#include "tests/unit/store/store_test_util.h"

namespace easgate {
namespace {

using store_test::at;
using store_test::memory_store;

const DeviceKey kAlicePhone{"alice@example.test", "ApplDNA1"};

TEST_CASE("users: get_or_create creates once, enablement is kept") {
  auto store = memory_store();
  auto u = store->get_or_create_user("alice@example.test", at(1));
  REQUIRE(u.is_ok());
  CHECK(u->eas_enabled);
  CHECK(u->created_at == at(1));

  REQUIRE(store->set_user_eas_enabled("alice@example.test", false, "left company", at(2)));
  auto again = store->get_or_create_user("alice@example.test", at(3));
  REQUIRE(again.is_ok());
  CHECK_FALSE(again->eas_enabled);
  CHECK(again->eas_reason == "left company");
  CHECK(again->created_at == at(1));
  CHECK(again->updated_at == at(2));

  CHECK(store->get_user("nobody@example.test").status().kind() == ErrorKind::kNotFound);
  // Disabling someone never seen creates them disabled.
  REQUIRE(store->set_user_eas_enabled("bob@example.test", false, "pre-emptive", at(4)));
  auto users = store->list_users();
  REQUIRE(users.is_ok());
  REQUIRE(users->size() == 2);
  CHECK((*users)[1].user_id == "bob@example.test");
  CHECK_FALSE((*users)[1].eas_enabled);

  CHECK(store->get_or_create_user("", at(1)).status().kind() == ErrorKind::kInvalidArgument);
  CHECK(store->get_or_create_user(std::string(1000, 'a'), at(1)).status().kind() ==
        ErrorKind::kInvalidArgument);
}

TEST_CASE("devices: upsert_device_seen creates, then bumps last_seen and keeps known values") {
  auto store = memory_store();
  auto d = store->upsert_device_seen(kAlicePhone, "iPhone", "Apple-iPhone/1", "16.1", at(10));
  REQUIRE(d.is_ok());
  CHECK(d->first_seen == at(10));
  CHECK(d->last_seen == at(10));
  CHECK(d->access_state == DeviceAccessState::kPending);
  CHECK(d->policy_status == PolicyStatus::kNone);
  CHECK(d->wipe.state == WipeState::kNone);
  CHECK(store->get_user("alice@example.test").is_ok());  // user created with the device

  auto d2 = store->upsert_device_seen(kAlicePhone, "iPhone", "", "", at(20));
  REQUIRE(d2.is_ok());
  CHECK(d2->first_seen == at(10));
  CHECK(d2->last_seen == at(20));
  CHECK(d2->user_agent == "Apple-iPhone/1");  // empty does not erase
  CHECK(d2->protocol_version == "16.1");
  auto d3 = store->upsert_device_seen(kAlicePhone, "iPhone", "Apple-iPhone/2", "14.1", at(30));
  REQUIRE(d3.is_ok());
  CHECK(d3->user_agent == "Apple-iPhone/2");
  CHECK(d3->protocol_version == "14.1");

  CHECK(store->upsert_device_seen({"a@b", ""}, "x", "", "", at(1)).status().kind() ==
        ErrorKind::kInvalidArgument);
}

TEST_CASE("devices: command counters, setters, listing and deletion") {
  auto store = memory_store();
  REQUIRE(store->upsert_device_seen(kAlicePhone, "iPhone", "ua", "16.1", at(1)).is_ok());
  REQUIRE(store->upsert_device_seen({"bob@example.test", "Droid"}, "Android", "ua", "14.0",
                                    at(1)).is_ok());
  for (int i = 0; i < 3; ++i) REQUIRE(store->increment_command_count(kAlicePhone, "Sync"));
  REQUIRE(store->increment_command_count(kAlicePhone, "Ping"));
  CHECK(store->increment_command_count({"x@y", "nope"}, "Sync").kind() == ErrorKind::kNotFound);

  DeviceInfo info{"iPhone15,2", "35-000000-000000-0", "iOS 17.1", "en-US", "+15550100",
                  "Alice's phone", "Carrier", "", false};
  REQUIRE(store->set_device_info(kAlicePhone, info));
  REQUIRE(store->set_device_access(kAlicePhone, DeviceAccessState::kQuarantined, "rule:new"));
  REQUIRE(store->set_device_policy(kAlicePhone, "default", 3'000'000'001u,
                                   PolicyStatus::kAcknowledged));
  REQUIRE(store->set_recovery_password(kAlicePhone, "r3cover"));

  auto d = store->get_device(kAlicePhone);
  REQUIRE(d.is_ok());
  CHECK(d->command_counts.at("Sync") == 3);
  CHECK(d->command_counts.at("Ping") == 1);
  CHECK(d->info.model == "iPhone15,2");
  CHECK(d->info.imei == "35-000000-000000-0");
  CHECK(d->info.os == "iOS 17.1");
  CHECK(d->info.os_language == "en-US");
  CHECK(d->info.phone_number == "+15550100");
  CHECK(d->info.friendly_name == "Alice's phone");
  CHECK(d->info.mobile_operator == "Carrier");
  CHECK(d->access_state == DeviceAccessState::kQuarantined);
  CHECK(d->access_reason == "rule:new");
  CHECK(d->policy_name == "default");
  CHECK(d->policy_key == 3'000'000'001u);  // full uint32 range survives
  CHECK(d->policy_status == PolicyStatus::kAcknowledged);
  CHECK(d->recovery_password == "r3cover");

  const DeviceKey unknown{"x@y", "nope"};
  CHECK(store->set_device_info(unknown, info).kind() == ErrorKind::kNotFound);
  CHECK(store->set_device_access(unknown, DeviceAccessState::kBlocked, "").kind() ==
        ErrorKind::kNotFound);
  CHECK(store->set_device_policy(unknown, "p", 1, PolicyStatus::kNone).kind() ==
        ErrorKind::kNotFound);
  CHECK(store->set_recovery_password(unknown, "x").kind() == ErrorKind::kNotFound);
  CHECK(store->get_device(unknown).status().kind() == ErrorKind::kNotFound);

  auto all = store->list_devices(std::nullopt);
  REQUIRE(all.is_ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].user_id == "alice@example.test");
  CHECK((*all)[1].device_id == "Droid");
  auto bobs = store->list_devices(std::string("bob@example.test"));
  REQUIRE(bobs.is_ok());
  REQUIRE(bobs->size() == 1);
  CHECK((*bobs)[0].device_type == "Android");

  REQUIRE(store->delete_device(kAlicePhone));
  CHECK(store->get_device(kAlicePhone).status().kind() == ErrorKind::kNotFound);
  CHECK(store->delete_device(kAlicePhone).kind() == ErrorKind::kNotFound);
  // Counters went with it: a re-created device starts from zero.
  auto fresh = store->upsert_device_seen(kAlicePhone, "iPhone", "ua", "16.1", at(5));
  REQUIRE(fresh.is_ok());
  CHECK(fresh->command_counts.empty());
}

TEST_CASE("devices: wipe life cycle") {
  auto store = memory_store();
  REQUIRE(store->upsert_device_seen(kAlicePhone, "iPhone", "ua", "16.1", at(1)).is_ok());
  CHECK(store->mark_wipe_sent(kAlicePhone, at(2)).kind() == ErrorKind::kConflict);
  CHECK(store->mark_wipe_acknowledged(kAlicePhone, at(2)).kind() == ErrorKind::kConflict);

  REQUIRE(store->request_wipe(kAlicePhone, WipeKind::kAccountOnly, "admin", at(3)));
  auto d = store->get_device(kAlicePhone);
  REQUIRE(d.is_ok());
  CHECK(d->wipe.state == WipeState::kRequested);
  CHECK(d->wipe.kind == WipeKind::kAccountOnly);
  CHECK(d->wipe.requested_by == "admin");
  CHECK(d->wipe.requested_at == at(3));

  REQUIRE(store->cancel_wipe(kAlicePhone));
  CHECK(store->get_device(kAlicePhone)->wipe.state == WipeState::kNone);

  REQUIRE(store->request_wipe(kAlicePhone, WipeKind::kFull, "admin2", at(4)));
  REQUIRE(store->mark_wipe_sent(kAlicePhone, at(5)));
  REQUIRE(store->mark_wipe_sent(kAlicePhone, at(6)));  // sent again: allowed
  REQUIRE(store->mark_wipe_acknowledged(kAlicePhone, at(7)));
  d = store->get_device(kAlicePhone);
  REQUIRE(d.is_ok());
  CHECK(d->wipe.state == WipeState::kAcknowledged);
  CHECK(d->wipe.kind == WipeKind::kFull);
  CHECK(d->wipe.sent_at == at(6));
  CHECK(d->wipe.acknowledged_at == at(7));
  CHECK(store->cancel_wipe(kAlicePhone).kind() == ErrorKind::kConflict);
  CHECK(store->mark_wipe_sent(kAlicePhone, at(8)).kind() == ErrorKind::kConflict);

  const DeviceKey unknown{"x@y", "nope"};
  CHECK(store->request_wipe(unknown, WipeKind::kFull, "a", at(1)).kind() == ErrorKind::kNotFound);
  CHECK(store->mark_wipe_sent(unknown, at(1)).kind() == ErrorKind::kNotFound);
  CHECK(store->mark_wipe_acknowledged(unknown, at(1)).kind() == ErrorKind::kNotFound);
  CHECK(store->cancel_wipe(unknown).kind() == ErrorKind::kNotFound);
}

TEST_CASE("store enum names round-trip") {
  for (auto s : {DeviceAccessState::kPending, DeviceAccessState::kAllowed,
                 DeviceAccessState::kBlocked, DeviceAccessState::kQuarantined}) {
    DeviceAccessState out{};
    REQUIRE(parse_device_access_state(device_access_state_name(s), &out));
    CHECK(out == s);
  }
  for (auto s : {PolicyStatus::kNone, PolicyStatus::kProvisioned, PolicyStatus::kAcknowledged,
                 PolicyStatus::kPartial}) {
    PolicyStatus out{};
    REQUIRE(parse_policy_status(policy_status_name(s), &out));
    CHECK(out == s);
  }
  for (auto s : {WipeState::kNone, WipeState::kRequested, WipeState::kSent,
                 WipeState::kAcknowledged}) {
    WipeState out{};
    REQUIRE(parse_wipe_state(wipe_state_name(s), &out));
    CHECK(out == s);
  }
  WipeKind kind{};
  CHECK(parse_wipe_kind("account_only", &kind));
  CHECK(kind == WipeKind::kAccountOnly);
  CHECK_FALSE(parse_wipe_kind("bogus", &kind));
}

}  // namespace
}  // namespace easgate
