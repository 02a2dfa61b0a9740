// Session pool, ImapAuthenticator and ImapMailStore against the scripted fake server.

#include "backends/imap/imap_session_pool.h"

#include <doctest/doctest.h>
#include <event2/event.h>

#include <algorithm>
#include <optional>

#include "backends/imap/imap_authenticator.h"
#include "backends/imap/imap_mail_store.h"
#include "tests/unit/imap/fake_imap_server.h"

using namespace easgate;
using namespace easgate::testing;

namespace {

struct Fixture {
  event_base* base = event_base_new();
  ManualClock clock;
  std::unique_ptr<FakeImapServer> server = std::make_unique<FakeImapServer>(base);
  ImapOptions options;
  std::shared_ptr<ImapSessionPool> pool;

  Fixture() {
    options.port = server->port();
    options.connect_timeout = std::chrono::milliseconds(2000);
    options.command_timeout = std::chrono::milliseconds(2000);
    options.idle_timeout = std::chrono::milliseconds(60'000);
  }
  ~Fixture() {
    pool.reset();
    server.reset();
    event_base_free(base);
  }
  void make_pool() {
    auto p = ImapSessionPool::create(base, options, clock);
    REQUIRE(p.is_ok());
    pool = *p;
  }
  Status verify(const Credentials& creds) {
    ImapAuthenticator auth(pool);
    std::optional<Status> result;
    auth.verify(creds, [&](Status s) { result = std::move(s); });
    CHECK_FALSE(result.has_value());  // never inline
    REQUIRE(run_until(base, [&] { return result.has_value(); }));
    return *result;
  }
};

const char kPostLoginCaps[] =
    "IMAP4rev1 LITERAL+ ENABLE CONDSTORE QRESYNC LIST-EXTENDED LIST-STATUS SPECIAL-USE OBJECTID";

// A connection that logs `user`/`password` in successfully (SASL-IR) and enables QRESYNC.
std::vector<FakeStep> login_ok(const std::string& b64_plain) {
  auto s = greeting("IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN");
  s.push_back(expect("AUTHENTICATE PLAIN " + b64_plain));
  s.push_back(send(std::string("$tag OK [CAPABILITY ") + kPostLoginCaps + "] Logged in\r\n"));
  s.push_back(expect("ENABLE CONDSTORE QRESYNC"));
  s.push_back(send("* ENABLED CONDSTORE QRESYNC\r\n$tag OK Enabled\r\n"));
  return s;
}

// base64("\0alice\0secret"), base64("\0alice\0newpass")
const char kAliceSecret[] = "AGFsaWNlAHNlY3JldA==";
const char kAliceNew[] = "AGFsaWNlAG5ld3Bhc3M=";

}  // namespace

TEST_CASE("two requests of one user share one LOGIN") {
  Fixture f;
  f.server->add_script(login_ok(kAliceSecret));
  f.make_pool();
  CHECK(f.verify({"alice", "secret"}).is_ok());
  CHECK(f.verify({"alice", "secret"}).is_ok());
  CHECK(f.server->accepted() == 1);
  CHECK(f.server->count_commands("AUTHENTICATE") == 1);
  auto s = f.pool->stats();
  CHECK(s.logins == 1);
  CHECK(s.reuses == 1);
  CHECK(s.idle == 1);
  CHECK(f.server->errors().empty());
}

TEST_CASE("a request started from inside verify's callback reuses the session") {
  Fixture f;
  f.server->add_script(login_ok(kAliceSecret));
  f.make_pool();
  ImapAuthenticator auth(f.pool);
  std::optional<Status> inner;
  auth.verify({"alice", "secret"}, [&](Status s) {
    REQUIRE(s.is_ok());
    auth.verify({"alice", "secret"}, [&](Status s2) { inner = s2; });
  });
  REQUIRE(run_until(f.base, [&] { return inner.has_value(); }));
  CHECK(inner->is_ok());
  CHECK(f.server->accepted() == 1);
  CHECK(f.pool->stats().reuses == 1);
}

TEST_CASE("a wrong password never rides on a pooled session") {
  Fixture f;
  f.server->add_script(login_ok(kAliceSecret));
  auto refused = greeting("IMAP4rev1 SASL-IR AUTH=PLAIN");
  refused.push_back(expect("AUTHENTICATE PLAIN"));
  refused.push_back(send("$tag NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"));
  f.server->add_script(refused);
  f.make_pool();
  CHECK(f.verify({"alice", "secret"}).is_ok());
  Status wrong = f.verify({"alice", "guess"});
  CHECK(wrong.kind() == ErrorKind::kAuthFailed);
  CHECK(f.pool->stats().login_failures == 1);
  // The good session is still pooled.
  CHECK(f.verify({"alice", "secret"}).is_ok());
  CHECK(f.server->accepted() == 2);
}

TEST_CASE("a changed password logs in afresh and retires the old sessions") {
  Fixture f;
  f.server->add_script(login_ok(kAliceSecret));
  f.server->add_script(login_ok(kAliceNew));
  f.make_pool();
  CHECK(f.verify({"alice", "secret"}).is_ok());
  CHECK(f.verify({"alice", "newpass"}).is_ok());
  CHECK(f.server->accepted() == 2);
  auto s = f.pool->stats();
  CHECK(s.retired == 1);
  CHECK(s.idle == 1);
  // The old session was logged out.
  REQUIRE(run_until(f.base, [&] { return f.server->count_commands("LOGOUT") == 1; }));
  // The new password is now the pooled one.
  CHECK(f.verify({"alice", "newpass"}).is_ok());
  CHECK(f.server->accepted() == 2);
}

TEST_CASE("idle sessions are logged out after the idle timeout") {
  Fixture f;
  f.server->add_script(login_ok(kAliceSecret));
  f.make_pool();
  CHECK(f.verify({"alice", "secret"}).is_ok());
  f.clock.advance(std::chrono::milliseconds(59'000));
  f.pool->sweep();
  CHECK(f.pool->stats().idle == 1);
  f.clock.advance(std::chrono::milliseconds(1'000));
  f.pool->sweep();
  CHECK(f.pool->stats().idle == 0);
  CHECK(f.pool->stats().idle_closed == 1);
  REQUIRE(run_until(f.base, [&] { return f.server->count_commands("LOGOUT") == 1; }));
}

TEST_CASE("unreachable server is backend_unavailable, hanging server is timeout") {
  Fixture f;
  f.options.port = f.server->port();
  f.server.reset();  // nothing listens on the port any more
  f.make_pool();
  Status down = f.verify({"alice", "secret"});
  CHECK(down.kind() == ErrorKind::kBackendUnavailable);
  CHECK(f.pool->stats().open == 0);

  Fixture g;
  g.options.connect_timeout = std::chrono::milliseconds(100);
  g.server->add_script({hang()});  // accepts, never greets
  g.make_pool();
  CHECK(g.verify({"alice", "secret"}).kind() == ErrorKind::kTimeout);
}

TEST_CASE("per-user limit queues the next request until a session is released") {
  Fixture f;
  f.options.max_sessions_per_user = 1;
  f.server->add_script(login_ok(kAliceSecret));
  f.make_pool();
  std::optional<Result<ImapLease>> first, second;
  f.pool->acquire({"alice", "secret"}, [&](Result<ImapLease> l) { first = std::move(l); });
  f.pool->acquire({"alice", "secret"}, [&](Result<ImapLease> l) { second = std::move(l); });
  REQUIRE(run_until(f.base, [&] { return first.has_value(); }));
  REQUIRE(first->is_ok());
  CHECK_FALSE(second.has_value());
  first.reset();  // the lease goes back and is handed to the waiter
  REQUIRE(run_until(f.base, [&] { return second.has_value(); }));
  CHECK(second->is_ok());
  CHECK(f.server->accepted() == 1);
}

// carol's mailbox has no CONDSTORE/QRESYNC (dev stack: carol@example.test) and her LOGIN OK
// names no capabilities: she must neither inherit alice's list nor be sent ENABLE.
namespace {
std::vector<FakeStep> carol_login(bool server_asked_for_capabilities) {
  auto s = greeting("IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN");
  // base64("\0carol\0secret"); the OK names no capabilities.
  s.insert(s.end(),
           {expect("AUTHENTICATE PLAIN AGNhcm9sAHNlY3JldA=="), send("$tag OK Logged in\r\n")});
  if (!server_asked_for_capabilities) return s;
  s.insert(s.end(), {expect("CAPABILITY"), send("* CAPABILITY IMAP4rev1 LITERAL+ ENABLE IDLE "
                                                 "UIDPLUS\r\n$tag OK done\r\n")});
  return s;
}
}  // namespace

TEST_CASE("capabilities learned after one user's login never stand in for another user's") {
  Fixture f;
  f.server->add_script(login_ok(kAliceSecret));
  f.server->add_script(carol_login(true));
  f.server->add_script(carol_login(false));  // her second session reuses her own list
  f.make_pool();
  CHECK(f.verify({"alice", "secret"}).is_ok());
  std::optional<Result<ImapLease>> first, second;
  f.pool->acquire({"carol", "secret"}, [&](Result<ImapLease> l) { first = std::move(l); });
  REQUIRE(run_until(f.base, [&] { return first.has_value(); }));
  REQUIRE_MESSAGE(first->is_ok(), first->status().message());
  CHECK_FALSE(first->value().connection().has_capability("CONDSTORE"));
  CHECK_FALSE(first->value().connection().has_capability("QRESYNC"));
  CHECK(first->value().connection().has_capability("UIDPLUS"));
  // Held, so the next request of hers opens a second session.
  f.pool->acquire({"carol", "secret"}, [&](Result<ImapLease> l) { second = std::move(l); });
  REQUIRE(run_until(f.base, [&] { return second.has_value(); }));
  REQUIRE_MESSAGE(second->is_ok(), second->status().message());
  CHECK(second->value().connection().has_capability("UIDPLUS"));
  CHECK_FALSE(second->value().connection().has_capability("QRESYNC"));
  CHECK(f.server->accepted() == 3);
  CHECK(f.server->count_commands("CAPABILITY") == 1);
  CHECK(f.server->count_commands("ENABLE") == 1);  // alice's only
  auto alice = f.pool->cached_capabilities("alice");
  CHECK(std::find(alice.begin(), alice.end(), "QRESYNC") != alice.end());
  auto carol = f.pool->cached_capabilities("carol");
  CHECK(std::find(carol.begin(), carol.end(), "QRESYNC") == carol.end());
  CHECK(f.pool->cached_capabilities("nobody").empty());
  CHECK(f.server->errors().empty());
}

TEST_CASE("list_folders: one LIST-STATUS round trip with special-use and MAILBOXID") {
  Fixture f;
  auto s = login_ok(kAliceSecret);
  s.push_back(expect("LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (UIDVALIDITY MESSAGES UIDNEXT "
                     "HIGHESTMODSEQ MAILBOXID))"));
  s.push_back(send(
      "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
      "* STATUS Drafts (UIDVALIDITY 5 MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 1 MAILBOXID (Fd))\r\n"
      "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
      "* STATUS INBOX (UIDVALIDITY 4 MESSAGES 3 UIDNEXT 4 HIGHESTMODSEQ 9 MAILBOXID (Fi))\r\n"
      "* LIST (\\HasNoChildren \\Sent) \"/\" {4}\r\nSent\r\n"
      "* STATUS Sent (UIDVALIDITY 6 MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 1 MAILBOXID (Fs))\r\n"
      "$tag OK List completed\r\n"));
  f.server->add_script(s);
  f.make_pool();
  ImapMailStore store(f.pool);
  std::optional<Result<std::vector<MailFolderInfo>>> out;
  store.list_folders({"alice", "secret"}, [&](Result<std::vector<MailFolderInfo>> r) {
    out = std::move(r);
  });
  REQUIRE(run_until(f.base, [&] { return out.has_value(); }));
  REQUIRE_MESSAGE(out->is_ok(), out->status().message());
  const auto& folders = out->value();
  REQUIRE(folders.size() == 3);
  CHECK(folders[0].name == "INBOX");
  CHECK(folders[0].uidvalidity == 4);
  CHECK(folders[0].mailbox_id == "Fi");
  CHECK(folders[1].special_use == SpecialUse::kDrafts);
  CHECK(folders[2].special_use == SpecialUse::kSent);
  CHECK(folders[2].uidvalidity == 6);
  CHECK(store.stats().list_status_fallbacks == 0);
  CHECK(f.server->errors().empty());
}

TEST_CASE("list_folders falls back to LIST + STATUS without LIST-STATUS") {
  Fixture f;
  auto s = greeting("IMAP4rev1 AUTH=PLAIN SASL-IR");
  s.push_back(expect("AUTHENTICATE PLAIN"));
  s.push_back(send("$tag OK [CAPABILITY IMAP4rev1] Logged in\r\n"));
  s.push_back(expect("LIST \"\" \"*\""));
  s.push_back(send("* LIST () \".\" INBOX\r\n* LIST (\\Noselect) \".\" Shared\r\n"
                   "* LIST () \".\" \"Shared.Team\"\r\n$tag OK done\r\n"));
  s.push_back(expect("STATUS \"INBOX\" (UIDVALIDITY MESSAGES UIDNEXT)"));
  s.push_back(send("* STATUS INBOX (UIDVALIDITY 7 MESSAGES 1 UIDNEXT 2)\r\n$tag OK done\r\n"));
  s.push_back(expect("STATUS \"Shared.Team\""));
  s.push_back(send("$tag NO Mailbox doesn't exist\r\n"));
  f.server->add_script(s);
  f.make_pool();
  ImapMailStore store(f.pool);
  std::optional<Result<std::vector<MailFolderInfo>>> out;
  store.list_folders({"alice", "secret"}, [&](Result<std::vector<MailFolderInfo>> r) {
    out = std::move(r);
  });
  REQUIRE(run_until(f.base, [&] { return out.has_value(); }));
  REQUIRE_MESSAGE(out->is_ok(), out->status().message());
  const auto& folders = out->value();
  REQUIRE(folders.size() == 3);
  CHECK(folders[0].uidvalidity == 7);
  CHECK_FALSE(folders[1].selectable);
  CHECK(folders[2].parent_name == "Shared");
  CHECK(folders[2].display_name == "Team");
  CHECK(folders[2].uidvalidity == 0);
  CHECK(store.stats().list_status_fallbacks == 1);
  CHECK(f.server->errors().empty());
}
