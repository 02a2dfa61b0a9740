// ImapMailStore's sync operations against the scripted fake server: the exact commands
// each operation sends (and does not send), SELECT reuse, QRESYNC, the snapshot fallback,
// UIDVALIDITY changes, conditional STORE, MOVE / COPY fallback, APPEND, size limits.

#include <doctest/doctest.h>
#include <event2/event.h>

#include <memory>

#include "backends/imap/imap_mail_store.h"
#include "tests/unit/imap/fake_imap_server.h"

using namespace easgate;
using namespace easgate::testing;

namespace {

const char kCaps[] =
    "IMAP4rev1 LITERAL+ ENABLE CONDSTORE QRESYNC ESEARCH UIDPLUS MOVE LIST-EXTENDED "
    "LIST-STATUS SPECIAL-USE";
const char kAliceSecret[] = "AGFsaWNlAHNlY3JldA==";  // base64("\0alice\0secret")
const Credentials kAlice{"alice", "secret"};

std::vector<FakeStep> login(const std::string& caps = kCaps, bool qresync = true) {
  auto s = greeting("IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN");
  s.push_back(expect(std::string("AUTHENTICATE PLAIN ") + kAliceSecret));
  s.push_back(send("$tag OK [CAPABILITY " + caps + "] Logged in\r\n"));
  if (qresync) {
    s.push_back(expect("ENABLE CONDSTORE QRESYNC"));
    s.push_back(send("* ENABLED CONDSTORE QRESYNC\r\n$tag OK Enabled\r\n"));
  } else {
    s.push_back(expect("ENABLE CONDSTORE"));
    s.push_back(send("* ENABLED CONDSTORE\r\n$tag OK Enabled\r\n"));
  }
  return s;
}

void add(std::vector<FakeStep>& s, const std::string& command, const std::string& answer) {
  s.push_back(expect(command));
  s.push_back(send(answer));
}

const char kSelectInbox[] =
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
    "* 3 EXISTS\r\n* OK [UIDVALIDITY 4] UIDs valid\r\n* OK [UIDNEXT 12] Predicted next UID\r\n"
    "* OK [HIGHESTMODSEQ 9] Highest\r\n$tag OK [READ-WRITE] Select completed\r\n";

struct Fixture {
  event_base* base = event_base_new();
  ManualClock clock;
  std::unique_ptr<FakeImapServer> server = std::make_unique<FakeImapServer>(base);
  ImapOptions options;
  std::shared_ptr<ImapSessionPool> pool;
  std::unique_ptr<ImapMailStore> store;

  Fixture() {
    options.port = server->port();
    options.connect_timeout = std::chrono::milliseconds(2000);
    options.command_timeout = std::chrono::milliseconds(2000);
  }
  ~Fixture() {
    store.reset();
    pool.reset();
    server.reset();
    event_base_free(base);
  }
  void start(std::vector<FakeStep> script) {
    server->add_script(std::move(script));
    auto p = ImapSessionPool::create(base, options, clock);
    REQUIRE(p.is_ok());
    pool = *p;
    store = std::make_unique<ImapMailStore>(pool);
  }
  // Runs one store call to completion; checks that the callback was not inline.
  template <typename T, typename Call>
  T run(Call call) {
    // unique_ptr, not optional: g++ 12 warns falsely (free-nonheap-object) on the latter.
    std::unique_ptr<T> out;
    call([&](T r) { out = std::make_unique<T>(std::move(r)); });
    CHECK(out == nullptr);
    REQUIRE(run_until(base, [&] { return out != nullptr; }));
    for (const std::string& e : server->errors()) MESSAGE(e);
    return std::move(*out);
  }
};

}  // namespace

TEST_CASE("folder_state: one STATUS per call, whatever the folder size; commands counted") {
  Fixture f;
  auto s = login();
  for (int i = 0; i < 2; ++i)
    add(s, "STATUS \"INBOX\" (UIDVALIDITY MESSAGES UIDNEXT HIGHESTMODSEQ)",
        "* STATUS INBOX (UIDVALIDITY 4 MESSAGES 10000 UIDNEXT 10001 HIGHESTMODSEQ 77)\r\n"
        "$tag OK Status completed\r\n");
  f.start(s);
  auto st =
      f.run<Result<MailFolderState>>([&](auto cb) { f.store->folder_state(kAlice, "INBOX", cb); });
  REQUIRE(st.is_ok());
  CHECK(st->uidvalidity == 4);
  CHECK(st->messages == 10000);
  CHECK(st->uidnext == 10001);
  CHECK(st->highestmodseq == 77);
  uint64_t before = f.store->commands_sent();
  CHECK(before == 3);  // AUTHENTICATE, ENABLE, STATUS
  auto again =
      f.run<Result<MailFolderState>>([&](auto cb) { f.store->folder_state(kAlice, "INBOX", cb); });
  CHECK(again.is_ok());
  CHECK(f.store->commands_sent() - before == 1);  // the no-change fast path
  CHECK(f.server->errors().empty());
}

TEST_CASE(
    "changes_since: SELECT (QRESYNC) gives VANISHED and changed flags; the next fetch "
    "reuses the SELECT") {
  Fixture f;
  auto s = login();
  add(s, "SELECT \"INBOX\" (QRESYNC (4 5))",
      "* 3 EXISTS\r\n* OK [UIDVALIDITY 4] ok\r\n* OK [UIDNEXT 12] ok\r\n"
      "* OK [HIGHESTMODSEQ 9] ok\r\n* VANISHED (EARLIER) 2,5:6\r\n"
      "* 3 FETCH (UID 11 FLAGS (\\Seen $Forwarded) MODSEQ (9))\r\n"
      "* 1 FETCH (UID 1 FLAGS () MODSEQ (7))\r\n$tag OK [READ-WRITE] Select completed\r\n");
  add(s, "NOOP", "$tag OK NOOP completed\r\n");  // a reused selection catches up first
  add(s, "UID FETCH 11 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE MODSEQ)",
      "* 3 FETCH (UID 11 FLAGS (\\Seen) MODSEQ (9) INTERNALDATE \"01-Jan-2020 00:00:00 +0000\" "
      "RFC822.SIZE 42 ENVELOPE (NIL \"hi\" NIL NIL NIL NIL NIL NIL NIL \"<m@x>\") BODYSTRUCTURE "
      "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 2 1 NIL NIL NIL NIL))\r\n"
      "* 2 FETCH (UID 10 FLAGS (\\Flagged) MODSEQ (10))\r\n$tag OK Fetch completed\r\n");
  f.start(s);
  auto ch = f.run<Result<MessageChanges>>([&](auto cb) {
    f.store->changes_since(kAlice, MailboxRef{"INBOX", 4}, 5, {}, cb);
  });
  REQUIRE_MESSAGE(ch.is_ok(), ch.status().message());
  CHECK_FALSE(ch->from_snapshot);
  CHECK(ch->vanished == std::vector<uint32_t>{2, 5, 6});
  REQUIRE(ch->changed.size() == 2);
  CHECK(ch->changed[0].uid == 1);
  CHECK(ch->changed[1].uid == 11);
  CHECK(ch->changed[1].flags.forwarded);
  CHECK(ch->changed[1].modseq == 9);
  CHECK(ch->state.highestmodseq == 9);
  CHECK(ch->state.uidnext == 12);

  auto sum = f.run<Result<std::vector<MessageSummary>>>([&](auto cb) {
    f.store->fetch_summaries(kAlice, MailboxRef{"INBOX", 4}, {11}, false, cb);
  });
  REQUIRE(sum.is_ok());
  REQUIRE(sum->size() == 1);  // the unsolicited FETCH of UID 10 is not a summary
  CHECK((*sum)[0].envelope.subject == "hi");
  CHECK((*sum)[0].internal_date == 1577836800);
  CHECK((*sum)[0].body_error.empty());
  CHECK(f.server->count_commands("SELECT") == 1);
  CHECK(f.server->errors().empty());
}

TEST_CASE("changes_since: a new UIDVALIDITY is kConflict with EAS status 3") {
  Fixture f;
  auto s = login();
  add(s, "SELECT \"INBOX\" (QRESYNC (3 5))", kSelectInbox);
  f.start(s);
  auto ch = f.run<Result<MessageChanges>>([&](auto cb) {
    f.store->changes_since(kAlice, MailboxRef{"INBOX", 3}, 5, {}, cb);
  });
  REQUIRE_FALSE(ch.is_ok());
  CHECK(ch.status().kind() == ErrorKind::kConflict);
  CHECK(ch.status().eas_status() == 3);
}

TEST_CASE("changes_since without QRESYNC: full UID/FLAGS listing diffed against the snapshot") {
  Fixture f;
  auto s = login("IMAP4rev1 LITERAL+ ENABLE CONDSTORE UIDPLUS", false);
  add(s, "SELECT \"INBOX\"", kSelectInbox);
  add(s, "UID FETCH 1:* (UID FLAGS MODSEQ)",
      "* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (3))\r\n"
      "* 2 FETCH (UID 3 FLAGS (\\Seen \\Flagged) MODSEQ (8))\r\n"
      "* 3 FETCH (UID 11 FLAGS () MODSEQ (9))\r\n$tag OK Fetch completed\r\n");
  f.start(s);
  MessageFlags seen;
  seen.seen = true;
  std::vector<MessageChange> snapshot{{1, seen, 0}, {2, seen, 0}, {3, seen, 0}};
  auto ch = f.run<Result<MessageChanges>>([&](auto cb) {
    f.store->changes_since(kAlice, MailboxRef{"INBOX", 4}, 5, snapshot, cb);
  });
  REQUIRE_MESSAGE(ch.is_ok(), ch.status().message());
  CHECK(ch->from_snapshot);
  CHECK(ch->vanished == std::vector<uint32_t>{2});
  REQUIRE(ch->changed.size() == 2);
  CHECK(ch->changed[0].uid == 3);   // flags changed
  CHECK(ch->changed[1].uid == 11);  // new
  CHECK(f.store->stats().snapshot_fallbacks == 1);
  CHECK(f.server->errors().empty());
}

TEST_CASE("changes_since fallback: keywords listed in another order are no change") {
  Fixture f;
  auto s = login("IMAP4rev1 LITERAL+ ENABLE CONDSTORE UIDPLUS", false);
  add(s, "SELECT \"INBOX\"", kSelectInbox);
  add(s, "UID FETCH 1:* (UID FLAGS MODSEQ)",
      "* 1 FETCH (UID 1 FLAGS (\\Seen Work $label1) MODSEQ (3))\r\n"
      "* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (4))\r\n$tag OK Fetch completed\r\n");
  f.start(s);
  MessageFlags tagged;
  tagged.seen = true;
  tagged.keywords = {"$label1", "Work"};  // the snapshot keeps them sorted
  MessageFlags flagged;
  flagged.flagged = true;
  std::vector<MessageChange> snapshot{{1, tagged, 0}, {2, flagged, 0}};
  auto ch = f.run<Result<MessageChanges>>([&](auto cb) {
    f.store->changes_since(kAlice, MailboxRef{"INBOX", 4}, 0, snapshot, cb);
  });
  REQUIRE_MESSAGE(ch.is_ok(), ch.status().message());
  CHECK(ch->from_snapshot);
  CHECK(ch->changed.empty());
  CHECK(ch->vanished.empty());
  CHECK(f.server->errors().empty());
}

TEST_CASE("list_messages: ESEARCH, newest page first, then FETCH of that page only") {
  Fixture f;
  auto s = login();
  add(s, "SELECT \"INBOX\"", kSelectInbox);
  add(s, "UID SEARCH RETURN (ALL COUNT) SINCE 1-Jan-2020 UID 1:10",
      "* ESEARCH (TAG \"x\") UID ALL 1:3,7:10 COUNT 7\r\n$tag OK Search completed\r\n");
  add(s, "UID FETCH 9:10 (UID INTERNALDATE FLAGS RFC822.SIZE)",
      "* 6 FETCH (UID 9 INTERNALDATE \"01-Jan-2020 00:00:00 +0000\" FLAGS () RFC822.SIZE 5)\r\n"
      "* 7 FETCH (UID 10 INTERNALDATE \"02-Jan-2020 00:00:00 +0000\" FLAGS (\\Seen) RFC822.SIZE "
      "6)\r\n"
      "$tag OK Fetch completed\r\n");
  f.start(s);
  MessageListFilter filter;
  filter.since = 1577836800 + 3600;
  filter.uid_max = 10;
  filter.limit = 2;
  auto page = f.run<Result<MessageListing>>([&](auto cb) {
    f.store->list_messages(kAlice, MailboxRef{"INBOX", 4}, filter, cb);
  });
  REQUIRE_MESSAGE(page.is_ok(), page.status().message());
  CHECK(page->total == 7);
  CHECK(page->uidvalidity == 4);
  REQUIRE(page->messages.size() == 2);
  CHECK(page->messages[0].uid == 10);
  CHECK(page->messages[0].flags.seen);
  CHECK(page->messages[1].uid == 9);
  CHECK(f.server->errors().empty());
}

TEST_CASE("list_messages: with WITHIN the FilterType cutoff is exact (YOUNGER seconds)") {
  Fixture f;
  auto s = login(std::string(kCaps) + " WITHIN");
  add(s, "SELECT \"INBOX\"", kSelectInbox);
  // ManualClock's wall time is 1,800,000,000; a one-day window is YOUNGER 86400 (RFC 5032),
  // not SINCE the cutoff's date, which would list that whole day.
  add(s, "UID SEARCH RETURN (ALL COUNT) YOUNGER 86400 UID 1:10",
      "* ESEARCH (TAG \"x\") UID\r\n$tag OK Search completed\r\n");
  f.start(s);
  MessageListFilter filter;
  filter.since = 1'800'000'000 - 86400;
  filter.uid_max = 10;
  auto page = f.run<Result<MessageListing>>([&](auto cb) {
    f.store->list_messages(kAlice, MailboxRef{"INBOX", 4}, filter, cb);
  });
  REQUIRE_MESSAGE(page.is_ok(), page.status().message());
  CHECK(page->total == 0);
  CHECK(f.server->errors().empty());
}

TEST_CASE("store_flags: UNCHANGEDSINCE conflicts come back as `modified`") {
  Fixture f;
  auto s = login();
  add(s, "SELECT \"INBOX\"", kSelectInbox);
  add(s, "UID STORE 1:2 (UNCHANGEDSINCE 9) +FLAGS (\\Seen work)",
      "* 1 FETCH (UID 1 FLAGS (\\Seen work) MODSEQ (12))\r\n"
      "$tag OK [MODIFIED 2] Conditional STORE failed\r\n");
  add(s, "UID STORE 1:2 (UNCHANGEDSINCE 9) -FLAGS (\\Flagged)",
      "* 1 FETCH (UID 1 FLAGS (\\Seen work) MODSEQ (13))\r\n"
      "$tag OK [MODIFIED 2] Conditional STORE failed\r\n");
  f.start(s);
  FlagUpdate u;
  u.add.seen = true;
  u.add.keywords = {"work"};
  u.remove.flagged = true;
  u.unchanged_since = 9;
  auto r = f.run<Result<FlagUpdateResult>>([&](auto cb) {
    f.store->store_flags(kAlice, MailboxRef{"INBOX", 4}, {2, 1}, u, cb);
  });
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  CHECK(r->modified == std::vector<uint32_t>{2});
  REQUIRE(r->updated.size() == 1);
  CHECK(r->updated[0].modseq == 13);
  CHECK(f.server->errors().empty());

  FlagUpdate bad;
  bad.add.keywords = {"not an atom"};
  auto refused = f.run<Result<FlagUpdateResult>>([&](auto cb) {
    f.store->store_flags(kAlice, MailboxRef{"INBOX", 4}, {1}, bad, cb);
  });
  CHECK(refused.status().kind() == ErrorKind::kInvalidArgument);
}

TEST_CASE("move_messages: UID MOVE with COPYUID; without MOVE: COPY, \\Deleted, UID EXPUNGE") {
  Fixture f;
  auto s = login();
  add(s, "SELECT \"INBOX\"", kSelectInbox);
  add(s, "UID MOVE 3,5 \"Archive\"",
      "* OK [COPYUID 77 3,5 100:101] Moved UIDs.\r\n* VANISHED 3,5\r\n$tag OK Move completed\r\n");
  f.start(s);
  auto m = f.run<Result<MessageMoveResult>>([&](auto cb) {
    f.store->move_messages(kAlice, MailboxRef{"INBOX", 4}, {5, 3}, "Archive", cb);
  });
  REQUIRE_MESSAGE(m.is_ok(), m.status().message());
  CHECK(m->uidvalidity == 77);
  REQUIRE(m->uids.size() == 2);
  CHECK(m->uids[1] == std::pair<uint32_t, uint32_t>{5, 101});

  Fixture g;
  auto t = login("IMAP4rev1 LITERAL+ ENABLE CONDSTORE QRESYNC UIDPLUS");
  add(t, "SELECT \"INBOX\"", kSelectInbox);
  add(t, "UID COPY 3 \"Archive\"", "$tag OK [COPYUID 77 3 100] Copy completed\r\n");
  add(t, "UID STORE 3 +FLAGS.SILENT (\\Deleted)", "$tag OK Store completed\r\n");
  add(t, "UID EXPUNGE 3", "* VANISHED 3\r\n$tag OK Expunge completed\r\n");
  g.start(t);
  auto m2 = g.run<Result<MessageMoveResult>>([&](auto cb) {
    g.store->move_messages(kAlice, MailboxRef{"INBOX", 4}, {3}, "Archive", cb);
  });
  REQUIRE_MESSAGE(m2.is_ok(), m2.status().message());
  CHECK(m2->uids[0] == std::pair<uint32_t, uint32_t>{3, 100});
  CHECK(g.store->stats().move_fallbacks == 1);
  CHECK(g.server->errors().empty());
}

TEST_CASE("append_message: LITERAL+ literal, APPENDUID returned") {
  Fixture f;
  auto s = login();
  s.push_back(expect("APPEND \"Drafts\" (\\Seen \\Draft) \"01-Jan-2020 00:00:00 +0000\" {16+}"));
  s.push_back(expect_raw("Subject: x"));
  s.push_back(expect_raw(""));
  s.push_back(expect_raw("hi"));
  s.push_back(send("$tag OK [APPENDUID 9 44] Append completed\r\n"));
  f.start(s);
  MessageFlags flags;
  flags.seen = true;
  flags.draft = true;
  auto r = f.run<Result<AppendResult>>([&](auto cb) {
    f.store->append_message(kAlice, "Drafts", flags, 1577836800, "Subject: x\r\n\r\nhi", cb);
  });
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  CHECK(r->uidvalidity == 9);
  CHECK(r->uid == 44);
  CHECK(f.server->errors().empty());
}

TEST_CASE("fetch_message: partial fetch capped at the maximum; too_large and not_found") {
  Fixture f;
  f.options.max_message_bytes = 4;
  auto s = login();
  add(s, "SELECT \"INBOX\"", kSelectInbox);
  add(s, "UID FETCH 7 (UID BODY.PEEK[]<0.5>)",
      "* 1 FETCH (UID 7 BODY[]<0> {4}\r\nabcd)\r\n$tag OK Fetch completed\r\n");
  add(s, "NOOP", "$tag OK NOOP completed\r\n");
  add(s, "UID FETCH 7 (UID BODY.PEEK[1.2]<2.5>)",
      "* 1 FETCH (UID 7 BODY[1.2]<2> {5}\r\nabcde)\r\n$tag OK Fetch completed\r\n");
  add(s, "NOOP", "$tag OK NOOP completed\r\n");
  add(s, "UID FETCH 8 (UID BODY.PEEK[]<0.5>)", "$tag OK Fetch completed\r\n");
  f.start(s);
  auto whole = f.run<Result<std::string>>([&](auto cb) {
    f.store->fetch_message(kAlice, MailboxRef{"INBOX", 4}, 7, MessagePart{}, cb);
  });
  REQUIRE(whole.is_ok());
  CHECK(*whole == "abcd");
  auto big = f.run<Result<std::string>>([&](auto cb) {
    f.store->fetch_message(kAlice, MailboxRef{"INBOX", 4}, 7, MessagePart{"1.2", 2, 0}, cb);
  });
  CHECK(big.status().kind() == ErrorKind::kTooLarge);
  auto gone = f.run<Result<std::string>>([&](auto cb) {
    f.store->fetch_message(kAlice, MailboxRef{"INBOX", 4}, 8, MessagePart{}, cb);
  });
  CHECK(gone.status().kind() == ErrorKind::kNotFound);
  auto bad = f.run<Result<std::string>>([&](auto cb) {
    f.store->fetch_message(kAlice, MailboxRef{"INBOX", 4}, 7, MessagePart{"1]x", 0, 0}, cb);
  });
  CHECK(bad.status().kind() == ErrorKind::kInvalidArgument);
  CHECK(f.server->count_commands("SELECT") == 1);
  CHECK(f.server->errors().empty());
}

TEST_CASE("folders: CREATE in modified UTF-7 under the parent; ALREADYEXISTS is a conflict") {
  Fixture f;
  auto s = login();
  add(s, "LIST \"\" \"\"", "* LIST (\\Noselect) \"/\" \"\"\r\n$tag OK List completed\r\n");
  add(s, "CREATE \"Projects/Entw&APw-rfe\"", "$tag OK Create completed\r\n");
  add(s, "CREATE \"Projects/Entw&APw-rfe\"", "$tag NO [ALREADYEXISTS] Mailbox already exists\r\n");
  add(s, "RENAME \"Projects/Entw&APw-rfe\" \"Archiv\"", "$tag OK Rename completed\r\n");
  add(s, "DELETE \"Archiv\"", "$tag NO [NONEXISTENT] Mailbox doesn't exist\r\n");
  f.start(s);
  auto made = f.run<Result<std::string>>(
      [&](auto cb) { f.store->create_folder(kAlice, "Projects", "Entwürfe", cb); });
  REQUIRE_MESSAGE(made.is_ok(), made.status().message());
  CHECK(*made == "Projects/Entw&APw-rfe");
  auto again = f.run<Result<std::string>>(
      [&](auto cb) { f.store->create_folder(kAlice, "Projects", "Entwürfe", cb); });
  CHECK(again.status().kind() == ErrorKind::kConflict);
  auto slash =
      f.run<Result<std::string>>([&](auto cb) { f.store->create_folder(kAlice, "", "a/b", cb); });
  CHECK(slash.status().kind() == ErrorKind::kInvalidArgument);
  auto renamed = f.run<Result<std::string>>(
      [&](auto cb) { f.store->rename_folder(kAlice, "Projects/Entw&APw-rfe", "", "Archiv", cb); });
  CHECK(*renamed == "Archiv");
  auto del = f.run<Status>([&](auto cb) { f.store->delete_folder(kAlice, "Archiv", cb); });
  CHECK(del.kind() == ErrorKind::kNotFound);
  CHECK(f.server->count_commands("LIST") == 1);  // the delimiter is cached per session
  CHECK(f.server->errors().empty());
}

TEST_CASE("search: UID SEARCH with CHARSET for non-ASCII, newest first") {
  Fixture f;
  auto s = login();
  add(s, "SELECT \"INBOX\"", kSelectInbox);
  s.push_back(expect("UID SEARCH RETURN (ALL) CHARSET UTF-8 SUBJECT {6+}"));
  s.push_back(expect_raw("Grüß"));
  s.push_back(send("* ESEARCH (TAG \"$tag\") UID ALL 3,9\r\n$tag OK Search completed\r\n"));
  f.start(s);
  MailSearchQuery q;
  q.mailboxes = {"INBOX"};
  q.subject = "Grüß";
  auto hits =
      f.run<Result<std::vector<MailSearchHit>>>([&](auto cb) { f.store->search(kAlice, q, cb); });
  REQUIRE_MESSAGE(hits.is_ok(), hits.status().message());
  REQUIRE(hits->size() == 2);
  CHECK((*hits)[0].uid == 9);
  CHECK((*hits)[0].uidvalidity == 4);
  CHECK((*hits)[1].uid == 3);
  CHECK(f.server->errors().empty());
}

TEST_CASE("search: HEADER keys ORed in prefix form, ANDed with BEFORE (conversation lookup)") {
  Fixture f;
  auto s = login();
  add(s, "SELECT \"INBOX\"", kSelectInbox);
  add(s,
      "UID SEARCH RETURN (ALL) BEFORE 2-Jan-2020 OR HEADER \"Message-ID\" \"<r@h>\" OR HEADER "
      "\"References\" \"<r@h>\" HEADER \"In-Reply-To\" \"<r@h>\"",
      "* ESEARCH (TAG \"$tag\") UID ALL 5\r\n$tag OK Search completed\r\n");
  f.start(s);
  MailSearchQuery q;
  q.mailboxes = {"INBOX"};
  q.before = 1577923200;  // 2020-01-02
  q.any_header = {{"Message-ID", "<r@h>"}, {"References", "<r@h>"}, {"In-Reply-To", "<r@h>"}};
  auto hits =
      f.run<Result<std::vector<MailSearchHit>>>([&](auto cb) { f.store->search(kAlice, q, cb); });
  REQUIRE_MESSAGE(hits.is_ok(), hits.status().message());
  REQUIRE(hits->size() == 1);
  CHECK((*hits)[0].uid == 5);
  CHECK(f.server->errors().empty());
}
