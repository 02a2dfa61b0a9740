#include <doctest/doctest.h>

#include <chrono>

#include "tests/unit/store/store_test_util.h"

namespace easgate {
namespace {

using store_test::memory_store;

TEST_CASE("conversation rules: per user, binary ids, a later Move replaces the destination") {
  auto store = memory_store();
  StoreTime now = store_test::at(1);  // no clock reads in tests
  std::string id(
      "\x00\x01\xfe\xff"
      "0123456789ab",
      16);  // raw bytes, NULs included
  REQUIRE(store->put_conversation_rule("alice@example.test", {id, "Archive", now}).is_ok());
  REQUIRE(store->put_conversation_rule("alice@example.test", {"other-conv-id-16", "Later", now})
              .is_ok());
  REQUIRE(store->put_conversation_rule("alice@example.test", {id, "Projects", now}).is_ok());
  REQUIRE(store->put_conversation_rule("bob@example.test", {id, "Bob's", now}).is_ok());
  auto rules = store->list_conversation_rules("alice@example.test");
  REQUIRE(rules.is_ok());
  REQUIRE(rules->size() == 2);
  bool found = false;
  for (const ConversationRule& r : *rules) {
    if (r.conversation_id != id) continue;
    found = true;
    CHECK(r.destination == "Projects");
  }
  CHECK(found);
  CHECK(store->list_conversation_rules("carol@example.test")->empty());
  CHECK_FALSE(store->put_conversation_rule("", {id, "X", now}).is_ok());
  CHECK_FALSE(store->put_conversation_rule("alice@example.test", {"", "X", now}).is_ok());
  CHECK_FALSE(store->put_conversation_rule("alice@example.test", {id, "", now}).is_ok());
}

TEST_CASE("conversation rules: a rule idle for 30 days is pruned by the user's next write") {
  auto store = memory_store();
  StoreTime then = store_test::at(1);
  StoreTime later = then + std::chrono::hours(24 * 31);
  REQUIRE(
      store->put_conversation_rule("alice@example.test", {"idle-conversation", "A", then}).is_ok());
  REQUIRE(
      store->put_conversation_rule("alice@example.test", {"kept-conversatio", "B", then}).is_ok());
  REQUIRE(
      store->put_conversation_rule("bob@example.test", {"idle-conversation", "C", then}).is_ok());
  // Applied again (the engine rewrites a rule it used): its idle time starts over.
  REQUIRE(
      store->put_conversation_rule("alice@example.test", {"kept-conversatio", "B", later}).is_ok());
  auto rules = store->list_conversation_rules("alice@example.test");
  REQUIRE(rules.is_ok());
  REQUIRE(rules->size() == 1);
  CHECK(rules->front().destination == "B");
  CHECK(store->list_conversation_rules("bob@example.test")->size() == 1);  // not bob's write
}

}  // namespace
}  // namespace easgate
