// easgate_dav_probe URL USER PASSWORD [--local-part] [--insecure]
// Runs collection discovery against a real CalDAV/CardDAV server and prints what the
// gateway would offer as EAS folders. Exit status 0 on success, 1 on a discovery error,
// 2 on bad usage. The password is read from the command line for dev use only.

#include <event2/event.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "backends/dav/dav_collection_store.h"
#include "backends/dav/http_client.h"
#include "gateway/core/log.h"

namespace {

const char* kind_name(easgate::CollectionKind kind) {
  switch (kind) {
    case easgate::CollectionKind::kCalendar: return "calendar";
    case easgate::CollectionKind::kTasks: return "tasks";
    case easgate::CollectionKind::kContacts: return "contacts";
    case easgate::CollectionKind::kNotes: return "notes";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace easgate;
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: %s URL USER PASSWORD [--local-part] [--insecure] [--debug]\n"
                 "  --local-part  log in with the part of USER before '@' (Radicale)\n"
                 "  --insecure    do not verify the TLS certificate (dev only)\n",
                 argv[0]);
    return 2;
  }
  DavOptions options;
  options.base_url = argv[1];
  HttpClientOptions http_options;
  LogLevel level = LogLevel::kWarn;
  for (int i = 4; i < argc; ++i) {
    if (std::strcmp(argv[i], "--local-part") == 0) {
      options.login_mode = DavLoginMode::kLocalPart;
    } else if (std::strcmp(argv[i], "--insecure") == 0) {
      http_options.verify_peer = false;
    } else if (std::strcmp(argv[i], "--debug") == 0) {
      level = LogLevel::kDebug;
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  log_configure(level, "");

  event_base* base = event_base_new();
  int rc = 1;
  {
    HttpClient http(base, http_options);
    DavCollectionStore store(&http, options);
    store.list_collections({argv[2], argv[3]},
                           [&](Result<std::vector<DavCollection>> result) {
                             if (!result.is_ok()) {
                               std::fprintf(stderr, "error: %s\n",
                                            result.status().to_string().c_str());
                             } else {
                               std::printf("%-9s %-8s %-40s %-24s %s\n", "KIND", "DEFAULT",
                                           "HREF", "NAME", "SYNC-TOKEN / CTAG");
                               for (const auto& c : *result) {
                                 std::printf("%-9s %-8s %-40s %-24s %s / %s\n",
                                             kind_name(c.kind), c.is_default ? "yes" : "no",
                                             c.href.c_str(), c.display_name.c_str(),
                                             c.sync_token.empty() ? "-" : c.sync_token.c_str(),
                                             c.ctag.empty() ? "-" : c.ctag.c_str());
                               }
                               rc = 0;
                             }
                             event_base_loopbreak(base);
                           });
    event_base_dispatch(base);
  }
  event_base_free(base);
  return rc;
}
