// easgate_imap_probe: logs in to an IMAP server with the backend code and prints the
// folder list, or with --sync MAILBOX the read side of a mail sync: folder_state, the
// changes since a MODSEQ (--since, default HIGHESTMODSEQ-1), the newest --limit messages
// and their summaries, and the IMAP commands each step cost. Read-only. For trying the
// client against a real server by hand; not installed.
//
//   EASGATE_IMAP_PASSWORD=secret easgate_imap_probe [--host H] [--port P]
//       [--tls none|starttls|implicit] [--insecure] [--debug]
//       [--sync MAILBOX [--since MODSEQ] [--limit N] | --write-check] user
// Without the environment variable the password is read from the first line of stdin
// (never from argv, where other users could see it in ps).

#include <event2/event.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "backends/imap/imap_authenticator.h"
#include "backends/imap/imap_mail_store.h"
#include "gateway/core/log.h"

using namespace easgate;

namespace {

const char* special_use_name(SpecialUse u) {
  switch (u) {
    case SpecialUse::kNone:
      return "";
    case SpecialUse::kInbox:
      return "inbox";
    case SpecialUse::kDrafts:
      return "drafts";
    case SpecialUse::kSent:
      return "sent";
    case SpecialUse::kTrash:
      return "trash";
    case SpecialUse::kJunk:
      return "junk";
    case SpecialUse::kArchive:
      return "archive";
    case SpecialUse::kAll:
      return "all";
    case SpecialUse::kFlagged:
      return "flagged";
  }
  return "?";
}

int usage() {
  std::cerr << "usage: easgate_imap_probe [--host H] [--port P] [--tls none|starttls|implicit]"
               " [--insecure] [--debug] [--sync MAILBOX [--since MODSEQ] [--limit N]] user\n";
  return 2;
}

std::string flag_text(const MessageFlags& f) {
  std::string out;
  if (f.seen) out += "seen ";
  if (f.flagged) out += "flagged ";
  if (f.answered) out += "answered ";
  if (f.forwarded) out += "forwarded ";
  if (f.deleted) out += "deleted ";
  if (f.draft) out += "draft ";
  for (const auto& k : f.keywords) out += k + " ";
  return out;
}

void print_body(const BodyStructure& b, int depth) {
  std::string disp = b.disposition.empty() ? "" : " " + b.disposition;
  std::printf("%*s[%s] %s/%s %s %llu bytes%s%s%s\n", 4 + 2 * depth, "", b.part.c_str(),
              b.type.c_str(), b.subtype.c_str(), b.encoding.c_str(),
              static_cast<unsigned long long>(b.size), disp.c_str(),
              b.id.empty() ? "" : " id=", b.id.c_str());
  for (const BodyStructure& c : b.children) print_body(c, depth + 1);
}

// The read side of a sync, step by step, printing what each step cost in IMAP commands.
struct SyncProbe {
  ImapMailStore* store;
  Credentials creds;
  std::string mailbox;
  int64_t since = -1;
  size_t limit = 5;
  bool* finished;
  int* rc;
  uint64_t mark = 0;

  uint64_t cost() {
    uint64_t now = store->commands_sent();
    uint64_t d = now - mark;
    mark = now;
    return d;
  }
  void fail(const char* step, const Status& st) {
    std::cerr << step << ": " << st.to_string() << "\n";
    *finished = true;
  }
  void run() {
    mark = store->commands_sent();
    store->folder_state(creds, mailbox, [this](Result<MailFolderState> st) {
      if (!st) return fail("folder_state", st.status());
      std::printf(
          "folder_state %s: uidvalidity=%u uidnext=%u highestmodseq=%llu messages=%u"
          " [%llu IMAP commands]\n",
          mailbox.c_str(), st->uidvalidity, st->uidnext,
          static_cast<unsigned long long>(st->highestmodseq), st->messages,
          static_cast<unsigned long long>(cost()));
      MailFolderState s = *st;
      store->folder_state(creds, mailbox, [this, s](Result<MailFolderState> again) {
        if (!again) return fail("folder_state", again.status());
        std::printf("folder_state again (no change): highestmodseq=%llu [%llu IMAP commands]\n",
                    static_cast<unsigned long long>(again->highestmodseq),
                    static_cast<unsigned long long>(cost()));
        changes(s);
      });
    });
  }
  void changes(MailFolderState s) {
    uint64_t modseq =
        since >= 0 ? static_cast<uint64_t>(since) : (s.highestmodseq > 1 ? s.highestmodseq - 1 : 0);
    MailboxRef ref{mailbox, s.uidvalidity};
    store->changes_since(creds, ref, modseq, {}, [this, ref, modseq](Result<MessageChanges> ch) {
      if (!ch) return fail("changes_since", ch.status());
      std::printf(
          "changes_since modseq %llu: %zu changed, %zu vanished, new highestmodseq=%llu%s"
          " [%llu IMAP commands]\n",
          static_cast<unsigned long long>(modseq), ch->changed.size(), ch->vanished.size(),
          static_cast<unsigned long long>(ch->state.highestmodseq),
          ch->from_snapshot ? " (snapshot fallback)" : "", static_cast<unsigned long long>(cost()));
      for (size_t i = 0; i < ch->changed.size() && i < 5; ++i)
        std::printf("  changed uid=%u modseq=%llu flags=%s\n", ch->changed[i].uid,
                    static_cast<unsigned long long>(ch->changed[i].modseq),
                    flag_text(ch->changed[i].flags).c_str());
      listing(ref);
    });
  }
  void listing(MailboxRef ref) {
    MessageListFilter filter;
    filter.limit = limit;
    store->list_messages(creds, ref, filter, [this, ref](Result<MessageListing> page) {
      if (!page) return fail("list_messages", page.status());
      std::printf("list_messages newest %zu of %zu [%llu IMAP commands]\n", page->messages.size(),
                  page->total, static_cast<unsigned long long>(cost()));
      std::vector<uint32_t> uids;
      for (const auto& m : page->messages) uids.push_back(m.uid);
      store->fetch_summaries(
          creds, ref, uids, true, [this](Result<std::vector<MessageSummary>> sums) {
            if (!sums) return fail("fetch_summaries", sums.status());
            std::printf("fetch_summaries %zu [%llu IMAP commands]\n", sums->size(),
                        static_cast<unsigned long long>(cost()));
            for (const MessageSummary& m : *sums) {
              const Envelope& e = m.envelope;
              std::string from = e.from.empty() ? "" : e.from[0].mailbox + "@" + e.from[0].host;
              std::printf(
                  "  uid=%u modseq=%llu size=%llu date=%lld flags=%s\n    from=%s subject=%s"
                  " message-id=%s header=%zu bytes\n",
                  m.uid, static_cast<unsigned long long>(m.modseq),
                  static_cast<unsigned long long>(m.size), static_cast<long long>(m.internal_date),
                  flag_text(m.flags).c_str(), from.c_str(), e.subject.c_str(), e.message_id.c_str(),
                  m.header.size());
              if (!m.body_error.empty())
                std::printf("    BODYSTRUCTURE error: %s\n", m.body_error.c_str());
              else
                print_body(m.body, 0);
            }
            *rc = 0;
            *finished = true;
          });
    });
  }
};

// --write-check: CREATE a uniquely named folder, APPEND, STORE, FETCH, MOVE, EXPUNGE and
// DELETE in it, printing each result. Touches nothing else in the mailbox.
struct WriteProbe {
  ImapMailStore* store;
  Credentials creds;
  bool* finished;
  int* rc;
  std::string folder;
  std::string second;
  MailboxRef ref;

  void fail(const char* step, const Status& st) {
    std::cerr << step << ": " << st.to_string() << "\n";
    cleanup();
  }
  void cleanup() {
    store->delete_folder(creds, second, [this](Status) {
      store->delete_folder(creds, folder, [this](Status st) {
        std::printf("delete_folder %s: %s\n", folder.c_str(), st.to_string().c_str());
        *finished = true;
      });
    });
  }
  void run() {
    std::string name = "easgate-probe-" + std::to_string(::getpid()) + "-Entwürfe";
    store->create_folder(creds, "", name, [this](Result<std::string> made) {
      if (!made) return fail("create_folder", made.status());
      folder = *made;
      second = folder + "-2";
      std::printf("create_folder -> %s\n", folder.c_str());
      store->create_folder(creds, "", "easgate-probe-" + std::to_string(::getpid()) + "-Entwürfe-2",
                           [this](Result<std::string> made2) {
                             if (!made2) return fail("create_folder", made2.status());
                             append();
                           });
    });
  }
  void append() {
    MessageFlags flags;
    flags.seen = true;
    std::string msg = "From: probe@example.test\r\nSubject: probe\r\n\r\nhello\r\n";
    store->append_message(creds, folder, flags, 1577836800, msg, [this](Result<AppendResult> r) {
      if (!r) return fail("append_message", r.status());
      std::printf("append_message -> uidvalidity=%u uid=%u\n", r->uidvalidity, r->uid);
      ref = MailboxRef{folder, r->uidvalidity};
      uint32_t uid = r->uid;
      FlagUpdate u;
      u.add.flagged = true;
      u.add.forwarded = true;
      u.add.keywords = {"work"};
      u.remove.seen = true;
      u.unchanged_since = 1;  // older than the message: the STORE must be refused
      store->store_flags(creds, ref, {uid}, u, [this, uid, u](Result<FlagUpdateResult> s) mutable {
        if (!s) return fail("store_flags", s.status());
        std::printf("store_flags unchangedsince 1 -> %zu updated, %zu modified\n",
                    s->updated.size(), s->modified.size());
        u.unchanged_since = 0;
        store->store_flags(creds, ref, {uid}, u, [this, uid](Result<FlagUpdateResult> s2) {
          if (!s2) return fail("store_flags", s2.status());
          for (const auto& c : s2->updated)
            std::printf("store_flags -> uid=%u modseq=%llu flags=%s\n", c.uid,
                        static_cast<unsigned long long>(c.modseq), flag_text(c.flags).c_str());
          fetch(uid);
        });
      });
    });
  }
  void fetch(uint32_t uid) {
    store->fetch_message(
        creds, ref, uid, MessagePart{"TEXT", 0, 3}, [this, uid](Result<std::string> b) {
          if (!b) return fail("fetch_message", b.status());
          std::printf("fetch_message TEXT<0.3> -> '%s'\n", b->c_str());
          store->move_messages(creds, ref, {uid}, second, [this](Result<MessageMoveResult> m) {
            if (!m) return fail("move_messages", m.status());
            uint32_t moved = m->uids.empty() ? 0 : m->uids[0].second;
            std::printf("move_messages -> uidvalidity=%u new uid=%u\n", m->uidvalidity, moved);
            MailboxRef dest{second, m->uidvalidity};
            store->expunge_messages(creds, dest, {moved}, [this, dest](Status st) {
              std::printf("expunge_messages -> %s\n", st.to_string().c_str());
              store->folder_state(creds, dest.name, [this](Result<MailFolderState> fs) {
                if (fs) std::printf("folder_state after expunge -> messages=%u\n", fs->messages);
                *rc = 0;
                cleanup();
              });
            });
          });
        });
  }
};

}  // namespace

int main(int argc, char** argv) {
  ImapOptions options;
  options.port = 10143;  // the dev stack (DESIGN.md "Dev stack contract")
  std::string user;
  std::string sync_mailbox;
  int64_t since = -1;
  size_t limit = 5;
  bool write_check = false;
  LogLevel level = LogLevel::kWarn;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto need = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--host") {
      const char* v = need();
      if (!v) return usage();
      options.host = v;
    } else if (a == "--port") {
      const char* v = need();
      if (!v) return usage();
      options.port = static_cast<uint16_t>(std::atoi(v));
    } else if (a == "--tls") {
      const char* v = need();
      if (!v) return usage();
      std::string t = v;
      if (t == "none")
        options.tls = ImapTlsMode::kNone;
      else if (t == "starttls")
        options.tls = ImapTlsMode::kStartTls;
      else if (t == "implicit")
        options.tls = ImapTlsMode::kImplicit;
      else
        return usage();
    } else if (a == "--insecure") {
      options.tls_verify = false;
    } else if (a == "--sync") {
      const char* v = need();
      if (!v) return usage();
      sync_mailbox = v;
    } else if (a == "--since") {
      const char* v = need();
      if (!v) return usage();
      since = std::atoll(v);
    } else if (a == "--limit") {
      const char* v = need();
      if (!v) return usage();
      limit = static_cast<size_t>(std::atoll(v));
    } else if (a == "--write-check") {
      write_check = true;
    } else if (a == "--debug") {
      level = LogLevel::kDebug;
    } else if (!a.empty() && a[0] != '-' && user.empty()) {
      user = a;
    } else {
      return usage();
    }
  }
  if (user.empty()) return usage();
  log_configure(level, "");

  Credentials creds;
  creds.user = user;
  if (const char* p = std::getenv("EASGATE_IMAP_PASSWORD")) {
    creds.password = p;
  } else if (!std::getline(std::cin, creds.password)) {
    std::cerr << "no password (set EASGATE_IMAP_PASSWORD or pipe it on stdin)\n";
    return 2;
  }

  event_base* base = event_base_new();
  int rc = 1;
  {
    auto pool = ImapSessionPool::create(base, options, SystemClock::instance());
    if (!pool) {
      std::cerr << "error: " << pool.status().to_string() << "\n";
      return 1;
    }
    ImapAuthenticator auth(*pool);
    ImapMailStore store(*pool);
    bool finished = false;
    SyncProbe probe{&store, creds, sync_mailbox, since, limit, &finished, &rc};
    WriteProbe writer{&store, creds, &finished, &rc, {}, {}, {}};
    if (write_check) {
      writer.run();
      while (!finished && event_base_loop(base, EVLOOP_ONCE) == 0) {
      }
    } else if (!sync_mailbox.empty()) {
      probe.run();
      while (!finished && event_base_loop(base, EVLOOP_ONCE) == 0) {
      }
      auto s = (*pool)->stats();
      std::printf("logins=%llu reuses=%llu commands=%llu\n",
                  static_cast<unsigned long long>(s.logins),
                  static_cast<unsigned long long>(s.reuses),
                  static_cast<unsigned long long>(s.commands_sent));
    } else {
      auth.verify(creds, [&](Status st) {
        if (!st) {
          std::cerr << "login: " << st.to_string() << "\n";
          finished = true;
          return;
        }
        std::cout << "login ok; capabilities:";
        for (const auto& c : (*pool)->cached_capabilities(creds.user)) std::cout << " " << c;
        std::cout << "\n";
        store.list_folders(creds, [&](Result<std::vector<MailFolderInfo>> folders) {
          finished = true;
          if (!folders) {
            std::cerr << "list: " << folders.status().to_string() << "\n";
            return;
          }
          for (const MailFolderInfo& f : *folders) {
            std::printf("%-30s display=%-20s parent=%-12s role=%-8s uidvalidity=%u id=%s%s\n",
                        f.name.c_str(), f.display_name.c_str(), f.parent_name.c_str(),
                        special_use_name(f.special_use), f.uidvalidity, f.mailbox_id.c_str(),
                        f.selectable ? "" : " noselect");
          }
          auto s = (*pool)->stats();
          std::printf("logins=%llu reuses=%llu\n", static_cast<unsigned long long>(s.logins),
                      static_cast<unsigned long long>(s.reuses));
          rc = 0;
        });
      });
      while (!finished && event_base_loop(base, EVLOOP_ONCE) == 0) {
      }
    }
  }
  event_base_free(base);
  return rc;
}
