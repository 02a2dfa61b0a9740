// easgate_dav_probe URL USER PASSWORD [--local-part] [--insecure] [--debug] [COMMAND ARGS...]
// Runs one CollectionStore operation against a real CalDAV/CardDAV server and prints the
// result. Commands (default: list):
//   list                                 the collections discovery finds (EAS folders)
//   sync HREF [TOKEN]                    sync-collection changes since TOKEN
//   fetch KIND COLLECTION HREF...        multiget bodies (KIND: calendar|tasks|contacts|notes)
//   put COLLECTION NAME|HREF FILE [ETAG] PUT FILE (If-Match ETAG, else If-None-Match: *)
//   delete HREF [ETAG]                   DELETE (If-Match ETAG when given)
//   mkcol KIND DISPLAYNAME               create a collection, print its href
//   rename HREF DISPLAYNAME              PROPPATCH displayname
//   rmcol HREF                           delete a collection
//   freebusy START END [USER]            busy periods (START/END as 20250101T000000Z)
// Exit status 0 on success, 1 on an operation error, 2 on bad usage. The password is read
// from the command line for dev use only.

#include <event2/event.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "backends/dav/dav_collection_store.h"
#include "backends/dav/http_client.h"
#include "gateway/core/log.h"

namespace {

using namespace easgate;

const char* kind_name(CollectionKind kind) {
  switch (kind) {
    case CollectionKind::kCalendar: return "calendar";
    case CollectionKind::kTasks: return "tasks";
    case CollectionKind::kContacts: return "contacts";
    case CollectionKind::kNotes: return "notes";
  }
  return "?";
}

bool kind_from(const std::string& s, CollectionKind* out) {
  for (CollectionKind k : {CollectionKind::kCalendar, CollectionKind::kTasks,
                           CollectionKind::kContacts, CollectionKind::kNotes}) {
    if (s == kind_name(k)) {
      *out = k;
      return true;
    }
  }
  return false;
}

bool utc_from(const std::string& s, std::chrono::sys_seconds* out) {
  std::tm tm{};
  if (s.size() != 16 || !strptime(s.c_str(), "%Y%m%dT%H%M%SZ", &tm)) return false;
  *out = std::chrono::sys_seconds(std::chrono::seconds(timegm(&tm)));
  return true;
}

std::string utc_text(std::chrono::sys_seconds t) {
  const std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s URL USER PASSWORD [--local-part] [--insecure] [--debug] [COMMAND ...]\n"
               "  --local-part  log in with the part of USER before '@' (Radicale)\n"
               "  --insecure    do not verify the TLS certificate (dev only)\n"
               "commands: list | sync HREF [TOKEN] | fetch KIND COLLECTION HREF... |\n"
               "  put COLLECTION NAME|HREF FILE [ETAG] | delete HREF [ETAG] |\n"
               "  mkcol KIND NAME | rename HREF NAME | rmcol HREF | freebusy START END [USER]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return usage(argv[0]);
  DavOptions options;
  options.base_url = argv[1];
  HttpClientOptions http_options;
  LogLevel level = LogLevel::kWarn;
  std::vector<std::string> command;
  for (int i = 4; i < argc; ++i) {
    if (std::strcmp(argv[i], "--local-part") == 0) {
      options.login_mode = DavLoginMode::kLocalPart;
    } else if (std::strcmp(argv[i], "--insecure") == 0) {
      http_options.verify_peer = false;
    } else if (std::strcmp(argv[i], "--debug") == 0) {
      level = LogLevel::kDebug;
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    } else {
      command.emplace_back(argv[i]);
    }
  }
  if (command.empty()) command.emplace_back("list");
  log_configure(level, "");
  const Credentials creds{argv[2], argv[3]};
  const std::string& cmd = command[0];
  const size_t nargs = command.size() - 1;

  event_base* base = event_base_new();
  int rc = 1;
  {
    HttpClient http(base, http_options);
    DavCollectionStore store(&http, options);
    auto finish = [&](const Status& s) {
      if (!s.is_ok()) {
        std::fprintf(stderr, "error: %s\n", s.to_string().c_str());
      } else {
        rc = 0;
      }
      event_base_loopbreak(base);
    };
    CollectionKind kind = CollectionKind::kCalendar;
    std::chrono::sys_seconds start{}, end{};
    if (cmd == "list" && nargs == 0) {
      store.list_collections(creds, [&](Result<std::vector<DavCollection>> result) {
        if (result.is_ok()) {
          std::printf("%-9s %-8s %-40s %-24s %s\n", "KIND", "DEFAULT", "HREF", "NAME",
                      "SYNC-TOKEN / CTAG");
          for (const auto& c : *result) {
            std::printf("%-9s %-8s %-40s %-24s %s / %s\n", kind_name(c.kind),
                        c.is_default ? "yes" : "no", c.href.c_str(), c.display_name.c_str(),
                        c.sync_token.empty() ? "-" : c.sync_token.c_str(),
                        c.ctag.empty() ? "-" : c.ctag.c_str());
          }
        }
        finish(result.status());
      });
    } else if (cmd == "sync" && (nargs == 1 || nargs == 2)) {
      store.sync_changes(creds, command[1], nargs == 2 ? command[2] : "", {},
                         [&](Result<DavChanges> r) {
                           if (r.is_ok()) {
                             if (r->token_invalid) std::printf("TOKEN-INVALID\n");
                             for (const auto& c : r->changed) {
                               std::printf("CHANGED %s %s\n", c.href.c_str(), c.etag.c_str());
                             }
                             for (const auto& h : r->removed) std::printf("REMOVED %s\n", h.c_str());
                             if (r->truncated) std::printf("TRUNCATED\n");
                             if (r->from_listing) std::printf("FROM-LISTING\n");
                             std::printf("TOKEN %s\n", r->sync_token.c_str());
                           }
                           finish(r.status());
                         });
    } else if (cmd == "fetch" && nargs >= 3 && kind_from(command[1], &kind)) {
      std::vector<std::string> hrefs(command.begin() + 3, command.end());
      store.fetch_items(creds, command[2], kind, hrefs, [&](Result<std::vector<DavItem>> r) {
        if (r.is_ok()) {
          for (const auto& item : *r) {
            std::printf("ITEM %s %s\n%s\n", item.href.c_str(), item.etag.c_str(), item.body.c_str());
          }
        }
        finish(r.status());
      });
    } else if (cmd == "put" && (nargs == 3 || nargs == 4)) {
      std::ifstream in(command[3], std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot read %s\n", command[3].c_str());
        return 2;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      DavPut put;
      put.href_or_name = command[2];
      put.body = ss.str();
      put.content_type = command[3].ends_with(".ics") ? "text/calendar; charset=utf-8"
                                                      : "text/vcard; charset=utf-8";
      if (nargs == 4) put.if_match = command[4];
      store.put_item(creds, command[1], std::move(put), [&](Result<DavItemRef> r) {
        if (r.is_ok()) std::printf("PUT %s %s\n", r->href.c_str(), r->etag.c_str());
        finish(r.status());
      });
    } else if (cmd == "delete" && (nargs == 1 || nargs == 2)) {
      store.delete_item(creds, command[1], nargs == 2 ? command[2] : "", [&](Status s) {
        if (s.is_ok()) std::printf("DELETED %s\n", command[1].c_str());
        finish(s);
      });
    } else if (cmd == "mkcol" && nargs == 2 && kind_from(command[1], &kind)) {
      store.create_collection(creds, kind, command[2], [&](Result<DavCollection> r) {
        if (r.is_ok()) std::printf("CREATED %s %s\n", kind_name(r->kind), r->href.c_str());
        finish(r.status());
      });
    } else if (cmd == "rename" && nargs == 2) {
      store.update_collection(creds, command[1], command[2], [&](Status s) {
        if (s.is_ok()) std::printf("RENAMED %s\n", command[1].c_str());
        finish(s);
      });
    } else if (cmd == "rmcol" && nargs == 1) {
      store.delete_collection(creds, command[1], [&](Status s) {
        if (s.is_ok()) std::printf("REMOVED-COLLECTION %s\n", command[1].c_str());
        finish(s);
      });
    } else if (cmd == "freebusy" && (nargs == 2 || nargs == 3) && utc_from(command[1], &start) &&
               utc_from(command[2], &end)) {
      store.freebusy(creds, nargs == 3 ? command[3] : "", start, end,
                     [&](Result<std::vector<BusyInterval>> r) {
                       if (r.is_ok()) {
                         for (const auto& b : *r) {
                           const char* k = b.kind == BusyInterval::Kind::kBusy ? "BUSY"
                                           : b.kind == BusyInterval::Kind::kTentative
                                               ? "TENTATIVE"
                                               : "UNAVAILABLE";
                           std::printf("%s %s/%s\n", k, utc_text(b.start).c_str(),
                                       utc_text(b.end).c_str());
                         }
                       }
                       finish(r.status());
                     });
    } else {
      return usage(argv[0]);
    }
    event_base_dispatch(base);
  }
  event_base_free(base);
  return rc;
}
