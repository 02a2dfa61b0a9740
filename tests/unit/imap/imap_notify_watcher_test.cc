// The IMAP change watcher (NOTIFY with IDLE fallback) against scripted fake servers:
// response classification, NOTIFY SET and its re-issue, IDLE and its refresh, the
// fallback when NOTIFY is missing or refused, and reconnect with exponential backoff.

#include "backends/imap/imap_notify_watcher.h"

#include <doctest/doctest.h>
#include <event2/event.h>

#include <chrono>
#include <vector>

#include "tests/unit/imap/fake_imap_server.h"

using namespace easgate;
using namespace easgate::testing;

namespace {

struct Loop {
  event_base* base = event_base_new();
  ~Loop() { event_base_free(base); }
};

ImapResponse parsed(const std::string& wire) {
  auto r = parse_imap_response(wire, ImapParserLimits{});
  REQUIRE_MESSAGE(r.is_ok(), wire);
  return std::move(r.value());
}

ImapWatchOptions options_for(const FakeImapServer& server) {
  ImapWatchOptions o;
  o.imap.host = "127.0.0.1";
  o.imap.port = server.port();
  o.imap.connect_timeout = std::chrono::milliseconds(2000);
  o.imap.command_timeout = std::chrono::milliseconds(2000);
  o.backoff_initial = std::chrono::milliseconds(100);
  o.backoff_max = std::chrono::milliseconds(400);
  o.jitter = 0;
  return o;
}

// Greeting and AUTHENTICATE PLAIN answered with the capabilities the server has then.
std::vector<FakeStep> logged_in(const std::string& caps) {
  auto s = greeting();
  s.push_back(expect("AUTHENTICATE PLAIN "));
  s.push_back(send("$tag OK [CAPABILITY " + caps + "] Logged in\r\n"));
  return s;
}

struct Recorder {
  std::vector<ChangeNotice> notices;
  std::vector<std::chrono::steady_clock::time_point> at;
  std::function<void(ChangeNotice)> sink() {
    return [this](ChangeNotice n) {
      notices.push_back(std::move(n));
      at.push_back(std::chrono::steady_clock::now());
    };
  }
  size_t count(ChangeKind kind) const {
    size_t n = 0;
    for (const auto& c : notices) n += c.kind == kind ? 1 : 0;
    return n;
  }
  bool changed(const std::string& mailbox) const {
    for (const auto& c : notices)
      if (c.kind == ChangeKind::kChanged && c.mailbox == mailbox) return true;
    return false;
  }
};

const Credentials kAlice{"alice@example.test", "secret"};

}  // namespace

TEST_CASE("classify: STATUS names its mailbox, selected-mailbox data is the IDLE mailbox") {
  auto status =
      classify_watch_response(parsed("* STATUS \"Sent Items\" (MESSAGES 3 UIDNEXT 9)\r\n"),
                              ChangeFeedMode::kNotify, "INBOX");
  CHECK(status.kind == WatchEventKind::kMailbox);
  CHECK(status.mailbox == "Sent Items");
  auto atom = classify_watch_response(parsed("* STATUS INBOX (HIGHESTMODSEQ 4)\r\n"),
                                      ChangeFeedMode::kNotify, "INBOX");
  CHECK(atom.mailbox == "INBOX");
  for (const char* wire : {"* 5 EXISTS\r\n", "* 2 EXPUNGE\r\n", "* 1 FETCH (FLAGS (\\Seen))\r\n",
                           "* VANISHED 4:5\r\n"}) {
    auto idle = classify_watch_response(parsed(wire), ChangeFeedMode::kIdle, "INBOX");
    CHECK_MESSAGE(idle.kind == WatchEventKind::kMailbox, wire);
    CHECK(idle.mailbox == "INBOX");
    // NOTIFY selects nothing: such data has no known mailbox, so check everything.
    CHECK(classify_watch_response(parsed(wire), ChangeFeedMode::kNotify, "INBOX").kind ==
          WatchEventKind::kUnknown);
  }
  for (const char* wire : {"* OK Still here\r\n", "* 3 RECENT\r\n", "* BYE shutting down\r\n",
                           "* FLAGS (\\Seen)\r\n", "* LIST () \"/\" Foo\r\n"}) {
    CHECK_MESSAGE(classify_watch_response(parsed(wire), ChangeFeedMode::kIdle, "INBOX").kind ==
                      WatchEventKind::kNone,
                  wire);
  }
  // MailboxName (NOTIFY only): a deleted or renamed folder; every mailbox is checked.
  CHECK(classify_watch_response(parsed("* LIST (\\NonExistent) \"/\" Gone\r\n"),
                                ChangeFeedMode::kNotify, "INBOX")
            .kind == WatchEventKind::kUnknown);
  CHECK(classify_watch_response(parsed("* OK [NOTIFICATIONOVERFLOW] lost\r\n"),
                                ChangeFeedMode::kNotify, "INBOX")
            .kind == WatchEventKind::kOverflow);
  CHECK(classify_watch_response(parsed("a1 OK [NOTIFICATIONOVERFLOW] done\r\n"),
                                ChangeFeedMode::kNotify, "INBOX")
            .kind == WatchEventKind::kNone);
}

TEST_CASE("NOTIFY: ENABLE CONDSTORE, NOTIFY SET on every mailbox, STATUS becomes a change") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto s = logged_in("IMAP4rev1 NOTIFY CONDSTORE IDLE");
  s.push_back(expect("ENABLE CONDSTORE"));
  s.push_back(send("* ENABLED CONDSTORE\r\n$tag OK Enabled\r\n"));
  s.push_back(
      expect("NOTIFY SET (mailboxes (\"Archive/2024\" \"INBOX\" \"q\\\"uote\") "
             "(MessageNew MessageExpunge FlagChange MailboxName))"));
  s.push_back(
      send("$tag OK NOTIFY completed\r\n* STATUS \"Archive/2024\" (MESSAGES 2 UIDNEXT 3)\r\n"));
  // set_mailboxes adds one: the SET is re-issued with the union and the new one reported.
  s.push_back(expect("NOTIFY SET (mailboxes (\"Archive/2024\" \"INBOX\" \"Junk\" \"q\\\"uote\") "));
  s.push_back(send("$tag OK NOTIFY completed\r\n* STATUS INBOX (HIGHESTMODSEQ 7)\r\n"));
  s.push_back(hang());
  server.add_script(s);

  auto watcher = ImapNotifyWatcher::create(loop.base, options_for(server));
  REQUIRE(watcher.is_ok());
  Recorder rec;
  auto watch =
      watcher.value()->watch(kAlice, {"INBOX", "q\"uote", "Archive/2024", "INBOX"}, rec.sink());
  REQUIRE(run_until(loop.base, [&] { return rec.changed("Archive/2024"); }));
  REQUIRE(rec.count(ChangeKind::kConnected) == 1);
  CHECK(rec.notices.front().kind == ChangeKind::kConnected);
  CHECK(rec.notices.front().mode == ChangeFeedMode::kNotify);
  watch->set_mailboxes({"Junk", "INBOX", "q\"uote", "Archive/2024"});
  REQUIRE(run_until(loop.base, [&] { return rec.changed("INBOX"); }));
  CHECK(rec.changed("Junk"));  // added after the baseline: reported once
  CHECK(server.errors().empty());
  CHECK(server.accepted() == 1);
  CHECK(rec.count(ChangeKind::kDisconnected) == 0);
}

TEST_CASE("NOTIFY overflow: everything is reported changed and NOTIFY SET re-issued") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto s = logged_in("IMAP4rev1 NOTIFY IDLE");
  s.push_back(expect("NOTIFY SET (mailboxes (\"INBOX\")"));  // no CONDSTORE: no ENABLE
  s.push_back(send("$tag OK done\r\n* OK [NOTIFICATIONOVERFLOW] too many\r\n"));
  s.push_back(expect("NOTIFY SET (mailboxes (\"INBOX\")"));
  s.push_back(send("$tag OK done\r\n"));
  s.push_back(hang());
  server.add_script(s);
  auto watcher = ImapNotifyWatcher::create(loop.base, options_for(server));
  Recorder rec;
  auto watch = watcher.value()->watch(kAlice, {"INBOX"}, rec.sink());
  REQUIRE(run_until(loop.base, [&] { return server.count_commands("NOTIFY SET") == 2; }));
  CHECK(rec.changed(""));
  CHECK(server.errors().empty());
}

TEST_CASE("IDLE when NOTIFY is missing: EXAMINE INBOX, IDLE, refresh with DONE") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto s = logged_in("IMAP4rev1 IDLE CONDSTORE");
  s.push_back(expect("EXAMINE INBOX"));
  // EXAMINE's own data is the baseline, not a change.
  s.push_back(send("* 1339 EXISTS\r\n* 0 RECENT\r\n$tag OK [READ-ONLY] done\r\n"));
  s.push_back(expect("IDLE"));
  s.push_back(send("+ idling\r\n* OK Still here\r\n* 1340 EXISTS\r\n* 1 RECENT\r\n"));
  s.push_back(expect_raw("DONE"));
  s.push_back(send("$tag OK Idle completed\r\n"));
  s.push_back(expect("IDLE"));
  s.push_back(send("+ idling\r\n* 12 FETCH (FLAGS (\\Seen))\r\n"));
  s.push_back(hang());
  server.add_script(s);
  ImapWatchOptions o = options_for(server);
  o.idle_refresh = std::chrono::milliseconds(300);
  auto watcher = ImapNotifyWatcher::create(loop.base, o);
  Recorder rec;
  auto watch = watcher.value()->watch(kAlice, {"INBOX", "Junk"}, rec.sink());
  REQUIRE(run_until(loop.base, [&] { return rec.count(ChangeKind::kChanged) == 2; }));
  CHECK(rec.notices.front().kind == ChangeKind::kConnected);
  CHECK(rec.notices.front().mode == ChangeFeedMode::kIdle);
  CHECK(rec.notices[1].mailbox == "INBOX");
  CHECK(rec.notices[2].mailbox == "INBOX");
  CHECK(server.count_commands("IDLE") == 2);
  CHECK(server.errors().empty());
}

TEST_CASE("idle mode ignores NOTIFY; a refused NOTIFY SET falls back to IDLE") {
  SUBCASE("push.imap_watch: idle") {
    Loop loop;
    FakeImapServer server(loop.base);
    auto s = logged_in("IMAP4rev1 NOTIFY IDLE");
    s.push_back(expect("EXAMINE INBOX"));
    s.push_back(send("$tag OK done\r\n"));
    s.push_back(expect("IDLE"));
    s.push_back(send("+ idling\r\n"));
    s.push_back(hang());
    server.add_script(s);
    ImapWatchOptions o = options_for(server);
    o.prefer_notify = false;
    auto watcher = ImapNotifyWatcher::create(loop.base, o);
    Recorder rec;
    auto watch = watcher.value()->watch(kAlice, {"INBOX"}, rec.sink());
    REQUIRE(run_until(loop.base, [&] { return server.count_commands("IDLE") == 1; }));
    REQUIRE(run_until(loop.base, [&] { return rec.count(ChangeKind::kConnected) == 1; }));
    CHECK(rec.notices.front().mode == ChangeFeedMode::kIdle);
    CHECK(server.count_commands("NOTIFY") == 0);
  }
  SUBCASE("NOTIFY SET answered NO") {
    Loop loop;
    FakeImapServer server(loop.base);
    auto s = logged_in("IMAP4rev1 NOTIFY IDLE");
    s.push_back(expect("NOTIFY SET"));
    s.push_back(send("$tag NO [NONEXISTENT] no such mailbox\r\n"));
    s.push_back(hang());
    server.add_script(s);
    auto s2 = logged_in("IMAP4rev1 NOTIFY IDLE");
    s2.push_back(expect("EXAMINE INBOX"));
    s2.push_back(send("$tag OK done\r\n"));
    s2.push_back(expect("IDLE"));
    s2.push_back(send("+ idling\r\n* 3 EXISTS\r\n"));
    s2.push_back(hang());
    server.add_script(s2);
    auto watcher = ImapNotifyWatcher::create(loop.base, options_for(server));
    Recorder rec;
    auto watch = watcher.value()->watch(kAlice, {"INBOX", "Gone"}, rec.sink());
    REQUIRE(run_until(loop.base, [&] { return rec.changed("INBOX"); }));
    CHECK(server.accepted() == 2);
    CHECK(rec.notices.front().kind == ChangeKind::kConnected);
    CHECK(rec.notices.front().mode == ChangeFeedMode::kIdle);
    CHECK(server.errors().empty());
  }
}

TEST_CASE("a lost connection reconnects with exponential backoff and reports it") {
  Loop loop;
  FakeImapServer server(loop.base);
  // 1: live; the keepalive NOOP finds the server gone.
  auto s1 = logged_in("IMAP4rev1 NOTIFY");
  s1.push_back(expect("NOTIFY SET"));
  s1.push_back(send("$tag OK done\r\n"));
  s1.push_back(expect("NOOP"));
  s1.push_back(close_connection());
  server.add_script(s1);
  // 2 and 3: the server closes right after the greeting (a restart in progress).
  server.add_script({send("* OK fake ready\r\n"), close_connection()});
  server.add_script({send("* OK fake ready\r\n"), close_connection()});
  // 4: login refused (e.g. the server's auth backend is down): still retried.
  auto s4 = greeting();
  s4.push_back(expect("AUTHENTICATE PLAIN "));
  s4.push_back(send("$tag NO [AUTHENTICATIONFAILED] failed\r\n"));
  server.add_script(s4);
  // 5: back.
  auto s5 = logged_in("IMAP4rev1 NOTIFY");
  s5.push_back(expect("NOTIFY SET"));
  s5.push_back(send("$tag OK done\r\n"));
  s5.push_back(hang());
  server.add_script(s5);

  std::vector<std::chrono::steady_clock::time_point> accepted_at;
  ImapWatchOptions o = options_for(server);
  o.keepalive = std::chrono::milliseconds(50);
  auto watcher = ImapNotifyWatcher::create(loop.base, o);
  Recorder rec;
  auto watch = watcher.value()->watch(kAlice, {"INBOX"}, rec.sink());
  size_t seen = 0;
  REQUIRE(run_until(loop.base, [&] {
    if (server.accepted() > seen) {
      seen = server.accepted();
      accepted_at.push_back(std::chrono::steady_clock::now());
    }
    return rec.count(ChangeKind::kConnected) == 2;
  }));
  REQUIRE(accepted_at.size() == 5);
  auto gap = [&](size_t i) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(accepted_at[i] -
                                                                 accepted_at[i - 1])
        .count();
  };
  // Delays 100, 200, 400 (the cap), 400 ms (not 800); accept times add loop latency.
  CHECK(gap(1) >= 90);
  CHECK(gap(2) >= 190);
  CHECK(gap(3) >= 390);
  CHECK(gap(4) >= 390);
  CHECK(gap(4) < 790);
  // Connected, Disconnected, Connected: one of each transition, in order.
  REQUIRE(rec.notices.size() == 3);
  CHECK(rec.notices[0].kind == ChangeKind::kConnected);
  CHECK(rec.notices[1].kind == ChangeKind::kDisconnected);
  CHECK(rec.notices[2].kind == ChangeKind::kConnected);
  CHECK(server.errors().empty());
}

TEST_CASE("destroying the watch closes its connection and stops reconnecting") {
  Loop loop;
  FakeImapServer server(loop.base);
  server.add_script({send("* OK fake ready\r\n"), close_connection()});
  server.add_script({send("* OK fake ready\r\n"), close_connection()});
  auto watcher = ImapNotifyWatcher::create(loop.base, options_for(server));
  Recorder rec;
  auto watch = watcher.value()->watch(kAlice, {"INBOX"}, rec.sink());
  REQUIRE(run_until(loop.base, [&] { return server.accepted() == 1; }));
  watch.reset();
  // Past the first backoff delay: no second connection.
  bool waited = false;
  event* t = evtimer_new(
      loop.base, [](evutil_socket_t, short, void* arg) { *static_cast<bool*>(arg) = true; },
      &waited);
  timeval tv{0, 300'000};
  evtimer_add(t, &tv);
  REQUIRE(run_until(loop.base, [&] { return waited; }));
  event_free(t);
  CHECK(server.accepted() == 1);
  CHECK(rec.notices.empty());
}

TEST_CASE("the server closing an idle NOTIFY connection (nothing in flight) reconnects") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto s1 = logged_in("IMAP4rev1 NOTIFY");
  s1.push_back(expect("NOTIFY SET"));
  s1.push_back(send("$tag OK done\r\n"));
  s1.push_back(expect("NOOP"));  // the keepalive: answered, so the connection is live
  s1.push_back(send("$tag OK\r\n* BYE shutting down\r\n"));
  s1.push_back(close_connection());
  server.add_script(s1);
  auto s2 = logged_in("IMAP4rev1 NOTIFY");
  s2.push_back(expect("NOTIFY SET"));
  s2.push_back(send("$tag OK done\r\n"));
  s2.push_back(hang());
  server.add_script(s2);
  ImapWatchOptions o = options_for(server);
  o.keepalive = std::chrono::milliseconds(100);
  auto watcher = ImapNotifyWatcher::create(loop.base, o);
  Recorder rec;
  auto watch = watcher.value()->watch(kAlice, {"INBOX"}, rec.sink());
  REQUIRE(run_until(loop.base, [&] { return rec.count(ChangeKind::kConnected) == 2; }));
  CHECK(rec.count(ChangeKind::kDisconnected) == 1);
  CHECK(server.accepted() == 2);
  CHECK(server.errors().empty());
}
