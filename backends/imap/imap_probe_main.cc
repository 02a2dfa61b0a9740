// easgate_imap_probe: logs in to an IMAP server with the backend code and prints the
// folder list. For trying the client against a real server by hand; not installed.
//
//   EASGATE_IMAP_PASSWORD=secret easgate_imap_probe [--host H] [--port P]
//       [--tls none|starttls|implicit] [--insecure] [--debug] user
// Without the environment variable the password is read from the first line of stdin
// (never from argv, where other users could see it in ps).

#include <event2/event.h>

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
    case SpecialUse::kNone: return "";
    case SpecialUse::kInbox: return "inbox";
    case SpecialUse::kDrafts: return "drafts";
    case SpecialUse::kSent: return "sent";
    case SpecialUse::kTrash: return "trash";
    case SpecialUse::kJunk: return "junk";
    case SpecialUse::kArchive: return "archive";
    case SpecialUse::kAll: return "all";
    case SpecialUse::kFlagged: return "flagged";
  }
  return "?";
}

int usage() {
  std::cerr << "usage: easgate_imap_probe [--host H] [--port P] [--tls none|starttls|implicit]"
               " [--insecure] [--debug] user\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ImapOptions options;
  options.port = 10143;  // the dev stack (DESIGN.md "Dev stack contract")
  std::string user;
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
      if (t == "none") options.tls = ImapTlsMode::kNone;
      else if (t == "starttls") options.tls = ImapTlsMode::kStartTls;
      else if (t == "implicit") options.tls = ImapTlsMode::kImplicit;
      else return usage();
    } else if (a == "--insecure") {
      options.tls_verify = false;
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
    auth.verify(creds, [&](Status st) {
      if (!st) {
        std::cerr << "login: " << st.to_string() << "\n";
        finished = true;
        return;
      }
      std::cout << "login ok; capabilities:";
      for (const auto& c : (*pool)->cached_capabilities()) std::cout << " " << c;
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
  event_base_free(base);
  return rc;
}
