#include <doctest/doctest.h>

#include "gateway/sync/email_flag_snapshot.h"
#include "gateway/sync/email_sync_state.h"

using namespace easgate;

namespace {

MessageFlags flags(bool seen, bool flagged, std::vector<std::string> keywords = {}) {
  MessageFlags f;
  f.seen = seen;
  f.flagged = flagged;
  f.keywords = std::move(keywords);
  return normalized_flags(std::move(f));
}

}  // namespace

TEST_CASE("flag snapshot rides after the cursor line and round-trips") {
  FlagSnapshot s;
  s[3] = flags(false, false);
  s[4] = flags(true, false);
  s[90] = flags(true, true, {"$label1", "Work"});
  s[91] = flags(false, false, {"Work"});
  std::string text = encode_cursor(EmailCursor{0, 92, 4}) + encode_flag_snapshot(s);
  auto cursor = decode_cursor(text);  // readers of the cursor alone still read it
  REQUIRE(cursor);
  CHECK(cursor->uidnext == 92);
  auto back = decode_flag_snapshot(text);
  REQUIRE(back);
  CHECK(*back == s);
  // Keywords are stored once: the second "Work" is an index.
  CHECK(text.find("Work") == text.rfind("Work"));
}

TEST_CASE("an empty snapshot is not the absence of one") {
  std::string text = encode_cursor(EmailCursor{0, 1, 0});
  CHECK_FALSE(decode_flag_snapshot(text));  // CONDSTORE folder or an older generation
  CHECK(encode_flag_snapshot(std::nullopt).empty());
  auto empty = decode_flag_snapshot(text + encode_flag_snapshot(FlagSnapshot{}));
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("corrupt snapshot text reads as none, never as wrong flags") {
  const std::string base = "e1 0 5 2";
  CHECK_FALSE(decode_flag_snapshot(base + "\ns 1 0"));        // UID delta 0
  CHECK_FALSE(decode_flag_snapshot(base + "\ns 1.64"));       // unknown flag bits
  CHECK_FALSE(decode_flag_snapshot(base + "\ns 1.0.0"));      // keyword index, no table
  CHECK_FALSE(decode_flag_snapshot(base + "\nk a\ns 1.0.1"));  // index beyond the table
  CHECK_FALSE(decode_flag_snapshot(base + "\ns 4294967295 1"));  // UID overflow
  CHECK_FALSE(decode_flag_snapshot(base + "\ns x"));
  CHECK_FALSE(decode_flag_snapshot(base + "\nk  a\ns 1"));  // empty keyword
  auto ok = decode_flag_snapshot(base + "\nk a b\ns 2.1.1.0 3");
  REQUIRE(ok);
  CHECK(ok->at(2) == flags(true, false, {"a", "b"}));
  CHECK(ok->at(5) == MessageFlags{});
}

TEST_CASE("a fallback listing diff moves the snapshot to the listing") {
  FlagSnapshot s;
  s[1] = flags(false, false);
  s[2] = flags(true, false);
  s[3] = flags(false, false);
  MessageChanges ch;
  ch.from_snapshot = true;
  ch.changed = {MessageChange{2, flags(true, true, {"z", "a"}), 0},
                MessageChange{7, flags(false, false), 0}};
  ch.vanished = {3};
  apply_listing_diff(ch, &s);
  CHECK(s.size() == 3);
  CHECK(s.at(2).keywords == std::vector<std::string>{"a", "z"});
  CHECK(s.count(7) == 1);
  CHECK(s.count(3) == 0);
  CHECK(snapshot_list(s).size() == 3);
}
