#include <doctest/doctest.h>

#include "gateway/sync/email_sync_state.h"
#include "gateway/sync/sync_request.h"

using namespace easgate;
namespace as = easgate::tag::air_sync;
namespace em = easgate::tag::email;

TEST_CASE("cursor round-trips and rejects foreign text") {
  EmailCursor c{123456789012ull, 4242, 17};
  auto back = decode_cursor(encode_cursor(c));
  REQUIRE(back);
  CHECK(back->highestmodseq == c.highestmodseq);
  CHECK(back->uidnext == 4242);
  CHECK(back->messages == 17);
  CHECK_FALSE(decode_cursor(""));
  CHECK_FALSE(decode_cursor("e1 1 2"));
  CHECK_FALSE(decode_cursor("e1 1 2 x"));
  CHECK_FALSE(decode_cursor("e2 1 2 3"));
}

TEST_CASE("pending window round-trips with flags and keywords") {
  EmailPendingWindow w;
  w.initial_uid_max = 900;
  w.since = 1700000000;
  w.deletes = {3, 5};
  MessageChange ch;
  ch.uid = 7;
  ch.modseq = 99;
  ch.flags.seen = true;
  ch.flags.forwarded = true;
  ch.flags.keywords = {"Work", "$Category_c3a9"};
  w.changes.push_back(ch);
  w.adds = {10, 11, 12};
  auto back = decode_pending_window(encode_pending_window(w));
  REQUIRE(back);
  CHECK(back->initial_uid_max == 900);
  CHECK(back->since == 1700000000);
  CHECK(back->deletes == w.deletes);
  CHECK(back->adds == w.adds);
  REQUIRE(back->changes.size() == 1);
  CHECK(back->changes[0].uid == 7);
  CHECK(back->changes[0].modseq == 99);
  CHECK(back->changes[0].flags == ch.flags);
}

TEST_CASE("empty pending window encodes as empty text; corrupt text is refused") {
  EmailPendingWindow w;
  CHECK(encode_pending_window(w).empty());
  auto back = decode_pending_window("");
  REQUIRE(back);
  CHECK(back->empty());
  CHECK_FALSE(decode_pending_window("w1 0"));
  CHECK_FALSE(decode_pending_window("w1 0 0\nA 1 x"));
  CHECK_FALSE(decode_pending_window("w1 0 0\nA 0"));
  CHECK_FALSE(decode_pending_window("w1 0 0\nZ 1"));
  CHECK_FALSE(decode_pending_window("w1 0 0\nC 1 2"));
}

TEST_CASE("flag bits cover every system flag") {
  MessageFlags f;
  f.seen = f.flagged = f.answered = f.forwarded = f.deleted = f.draft = true;
  CHECK(flags_from_bits(flag_bits(f)) == f);
  CHECK(flag_bits(MessageFlags{}) == 0);
}

namespace {
WbxmlDocument sync_doc() {
  WbxmlDocument d;
  d.root = WbxmlElement(as::kSync);
  return d;
}
}  // namespace

TEST_CASE("Sync request: collection fields, options and commands") {
  WbxmlDocument d = sync_doc();
  WbxmlElement& c = d.root.add_child(as::kCollections).add_child(as::kCollection);
  c.add_text(as::kSyncKey, "5");
  c.add_text(as::kCollectionId, "3");
  c.add_text(as::kDeletesAsMoves, "0");
  c.add_text(as::kGetChanges, "1");
  c.add_text(as::kWindowSize, "25");
  WbxmlElement& o = c.add_child(as::kOptions);
  o.add_text(as::kFilterType, "3");
  o.add_text(as::kConflict, "0");
  WbxmlElement& cmds = c.add_child(as::kCommands);
  WbxmlElement& ch = cmds.add_child(as::kChange);
  ch.add_text(as::kServerId, "3:1");
  WbxmlElement& data = ch.add_child(as::kApplicationData);
  data.add_text(em::kRead, "1");
  data.add_child(em::kFlag);
  data.add_child(em::kCategories).add_text(em::kCategory, "Work");
  cmds.add_child(as::kDelete).add_text(as::kServerId, "3:2");
  cmds.add_child(as::kFetch).add_text(as::kServerId, "3:3");
  cmds.add_child(as::kAdd).add_text(as::kClientId, "c1");
  d.root.add_text(as::kWait, "5");

  auto r = parse_sync_request(d);
  REQUIRE(r.is_ok());
  CHECK(r->hanging);
  REQUIRE(r->collections.size() == 1);
  const SyncCollectionRequest& s = r->collections[0];
  CHECK(s.sync_key == 5u);
  CHECK(s.collection_id == "3");
  CHECK_FALSE(s.deletes_as_moves);
  CHECK(s.get_changes == true);
  CHECK(s.window_size == 25u);
  CHECK(s.filter_type == 3);
  CHECK(s.conflict == 0);
  REQUIRE(s.changes.size() == 1);
  CHECK(s.changes[0].read == true);
  CHECK(s.changes[0].flag == FlagStatus::kCleared);
  REQUIRE(s.changes[0].categories);
  CHECK(*s.changes[0].categories == std::vector<std::string>{"Work"});
  CHECK(s.deletes == std::vector<std::string>{"3:2"});
  CHECK(s.fetches == std::vector<std::string>{"3:3"});
  REQUIRE(s.adds.size() == 1);
  CHECK(s.adds[0].client_id == "c1");
}

TEST_CASE("Sync request: defaults, bad SyncKey, missing CollectionId") {
  WbxmlDocument d = sync_doc();
  WbxmlElement& c = d.root.add_child(as::kCollections).add_child(as::kCollection);
  c.add_text(as::kSyncKey, "abc");
  c.add_text(as::kCollectionId, "9");
  auto r = parse_sync_request(d);
  REQUIRE(r.is_ok());
  CHECK_FALSE(r->collections[0].sync_key);
  CHECK(r->collections[0].deletes_as_moves);
  CHECK(r->collections[0].conflict == 1);
  CHECK_FALSE(r->collections[0].get_changes);

  WbxmlDocument bad = sync_doc();
  bad.root.add_child(as::kCollections).add_child(as::kCollection).add_text(as::kSyncKey, "1");
  CHECK_FALSE(parse_sync_request(bad).is_ok());
  WbxmlDocument wrong;
  wrong.root = WbxmlElement(as::kCollections);
  CHECK_FALSE(parse_sync_request(wrong).is_ok());
}

TEST_CASE("FilterType ages") {
  CHECK(filter_type_age_seconds(0) == 0);
  CHECK(filter_type_age_seconds(1) == 86400);
  CHECK(filter_type_age_seconds(3) == 7 * 86400);
  CHECK(filter_type_age_seconds(8) == 0);
}

TEST_CASE("follow-up flag metadata round-trips and refuses foreign text") {
  FlagMeta m;
  m.status = 1;
  m.fields.push_back({2, 0x3D, "Follow up"});
  m.fields.push_back({9, 0x0B, "2026-11-27T10:00:00.000Z"});
  m.fields.push_back({2, 0x3E, "line1\nline2 %25 \r end"});
  auto back = decode_flag_meta(encode_flag_meta(m));
  REQUIRE(back);
  CHECK(back->status == 1);
  REQUIRE(back->fields.size() == 3);
  CHECK(back->fields[0].page == 2);
  CHECK(back->fields[0].token == 0x3D);
  CHECK(back->fields[1].text == "2026-11-27T10:00:00.000Z");
  CHECK(back->fields[2].text == "line1\nline2 %25 \r end");
  CHECK_FALSE(decode_flag_meta(""));
  CHECK_FALSE(decode_flag_meta("f1 0"));
  CHECK_FALSE(decode_flag_meta("f1 2\n2 61"));
  CHECK_FALSE(decode_flag_meta("f1 2\n2 99 x"));
  CHECK_FALSE(decode_flag_meta("f1 2\n2 61 bad%zz"));
  CHECK_FALSE(decode_flag_meta("e1 1 2 3"));
}

TEST_CASE("Sync request keeps the Flag details the device sent") {
  WbxmlDocument d = sync_doc();
  WbxmlElement& c = d.root.add_child(as::kCollections).add_child(as::kCollection);
  c.add_text(as::kSyncKey, "2");
  c.add_text(as::kCollectionId, "9");
  WbxmlElement& ch = c.add_child(as::kCommands).add_child(as::kChange);
  ch.add_text(as::kServerId, "9:1");
  WbxmlElement& flag = ch.add_child(as::kApplicationData).add_child(tag::email::kFlag);
  flag.add_text(tag::email::kStatus, "2");
  flag.add_text(tag::email::kFlagType, "Call back");
  flag.add_text(tag::tasks::kUtcStartDate, "2026-11-27T00:00:00.000Z");
  auto r = parse_sync_request(d);
  REQUIRE(r.is_ok());
  const EmailClientChange& e = r->collections[0].changes[0];
  CHECK(e.flag == FlagStatus::kActive);
  REQUIRE(e.flag_fields.size() == 2);
  CHECK(e.flag_fields[0].text == "Call back");
  CHECK(e.flag_fields[1].page == 9);
}

TEST_CASE("pending window keeps the ConversationMode adds; older text still decodes") {
  EmailPendingWindow w;
  w.since = 1700000000;
  w.adds = {40, 12, 13};
  w.conversation_adds = {12, 13};
  auto back = decode_pending_window(encode_pending_window(w));
  REQUIRE(back);
  CHECK(back->adds == w.adds);
  CHECK(back->conversation_adds == w.conversation_adds);
  auto old = decode_pending_window("w1 0 1700000000\nA 40 12");  // written before the field
  REQUIRE(old);
  CHECK(old->conversation_adds.empty());
  CHECK_FALSE(decode_pending_window("w1 0 0\nA 1\nT 0"));
}

TEST_CASE("pending window keeps SoftDeletes and the FilterType age; a drained one its age") {
  EmailPendingWindow w;
  w.since = 1700000000;
  w.soft_deletes = {7, 3};
  w.filter_age = 3 * 86400;
  auto back = decode_pending_window(encode_pending_window(w));
  REQUIRE(back);
  CHECK(back->soft_deletes == w.soft_deletes);
  CHECK(back->filter_age == w.filter_age);
  CHECK(back->since == w.since);
  CHECK_FALSE(back->empty());
  // Drained: the age stays (a later FilterType change is seen), the cutoff does not.
  EmailPendingWindow drained;
  drained.since = 1700000000;
  drained.filter_age = 0;
  auto d = decode_pending_window(encode_pending_window(drained));
  REQUIRE(d);
  CHECK(d->empty());
  CHECK(d->filter_age == 0);
  CHECK(d->since == 0);
  auto old = decode_pending_window("w1 0 1700000000\nA 40");  // written before the fields
  REQUIRE(old);
  CHECK(old->filter_age == -1);
  CHECK(encode_pending_window(EmailPendingWindow{}).empty());
  CHECK_FALSE(decode_pending_window("w1 0 0\nF -1"));
  CHECK_FALSE(decode_pending_window("w1 0 0\nS 0"));
}

TEST_CASE("pending window keeps the SMS choice and the SMS left out; drained it still does") {
  EmailPendingWindow w;
  w.sms_wanted = 0;
  w.skipped_sms = {9, 4};
  CHECK(w.empty());  // left-out SMS are nothing to send
  auto back = decode_pending_window(encode_pending_window(w));
  REQUIRE(back);
  CHECK(back->sms_wanted == 0);
  CHECK(back->skipped_sms == w.skipped_sms);
  EmailPendingWindow wanted;
  wanted.sms_wanted = 1;
  auto b2 = decode_pending_window(encode_pending_window(wanted));
  REQUIRE(b2);
  CHECK(b2->sms_wanted == 1);
  auto old = decode_pending_window("w1 0 0\nA 40");  // written before the fields
  REQUIRE(old);
  CHECK(old->sms_wanted == -1);
  CHECK_FALSE(decode_pending_window("w1 0 0\nK 2"));
  CHECK_FALSE(decode_pending_window("w1 0 0\nM 0"));
}

TEST_CASE("Sync request: an Options with Class SMS is the device asking for SMS") {
  WbxmlDocument d = sync_doc();
  WbxmlElement& cs = d.root.add_child(as::kCollections);
  WbxmlElement& a = cs.add_child(as::kCollection);
  a.add_text(as::kSyncKey, "5");
  a.add_text(as::kCollectionId, "3");
  a.add_child(as::kOptions).add_text(as::kClass, "SMS");
  a.add_child(as::kOptions).add_text(as::kFilterType, "2");
  WbxmlElement& b = cs.add_child(as::kCollection);
  b.add_text(as::kSyncKey, "5");
  b.add_text(as::kCollectionId, "4");
  b.add_child(as::kOptions).add_text(as::kFilterType, "1");
  WbxmlElement& c = cs.add_child(as::kCollection);
  c.add_text(as::kSyncKey, "5");
  c.add_text(as::kCollectionId, "5");
  auto r = parse_sync_request(d);
  REQUIRE(r.is_ok());
  REQUIRE(r->collections.size() == 3);
  CHECK(r->collections[0].sms_options == true);
  CHECK(r->collections[0].filter_type == 2);  // the Email Options still apply
  CHECK(r->collections[1].sms_options == false);
  CHECK_FALSE(r->collections[2].sms_options);  // no Options: the earlier choice holds
}
