#include <doctest/doctest.h>

#include "gateway/push/sync_cursor_baseline.h"
#include "gateway/sync/dav_sync_state.h"
#include "gateway/sync/email_sync_state.h"

using namespace easgate;

namespace {

CollectionGeneration mail_generation(uint32_t uidvalidity, EmailCursor cursor,
                                     EmailPendingWindow pending = {}) {
  CollectionGeneration g;
  g.generation = 3;
  g.folder_identity = std::to_string(uidvalidity);
  g.cursor = encode_cursor(cursor);
  g.pending_window = encode_pending_window(pending);
  return g;
}

}  // namespace

TEST_CASE("a mail cursor becomes the marker the backend shows when nothing changed") {
  auto b = cursor_baseline(FolderBackend::kMail, mail_generation(77, EmailCursor{120, 15, 9}));
  REQUIRE(b);
  CHECK(b->marker == "77/15/120/9");
  CHECK_FALSE(b->pending);
  CHECK_FALSE(marker_moved(FolderBackend::kMail, b->marker, "77/15/120/9"));
  // A mail delivered after the Sync: HIGHESTMODSEQ moved.
  CHECK(marker_moved(FolderBackend::kMail, b->marker, "77/16/121/10"));
  // A flag change alone moves only HIGHESTMODSEQ (RFC 7162).
  CHECK(marker_moved(FolderBackend::kMail, b->marker, "77/15/122/9"));
  // UIDVALIDITY changed: the collection must resync.
  CHECK(marker_moved(FolderBackend::kMail, b->marker, "78/15/120/9"));
}

TEST_CASE("without CONDSTORE UIDNEXT or MESSAGES tell a change") {
  auto b = cursor_baseline(FolderBackend::kMail, mail_generation(5, EmailCursor{0, 40, 12}));
  REQUIRE(b);
  CHECK_FALSE(marker_moved(FolderBackend::kMail, b->marker, "5/40/0/12"));
  CHECK(marker_moved(FolderBackend::kMail, b->marker, "5/41/0/13"));
  CHECK(marker_moved(FolderBackend::kMail, b->marker, "5/40/0/11"));
}

TEST_CASE("changes the last Sync left unsent make the folder changed at once") {
  EmailPendingWindow pending;
  pending.adds = {31, 32};
  auto b = cursor_baseline(FolderBackend::kMail, mail_generation(5, EmailCursor{9, 33, 3}, pending));
  REQUIRE(b);
  CHECK(b->pending);
}

TEST_CASE("a corrupt cursor row is no baseline") {
  CollectionGeneration g = mail_generation(5, EmailCursor{9, 33, 3});
  g.cursor = "garbage\t";
  CHECK_FALSE(cursor_baseline(FolderBackend::kMail, g));
  g = mail_generation(5, EmailCursor{9, 33, 3});
  g.folder_identity = "not-a-number";
  CHECK_FALSE(cursor_baseline(FolderBackend::kMail, g));
}

TEST_CASE("a DAV cursor's sync-token is the baseline; none means read at Ping start") {
  CollectionGeneration g;
  g.folder_identity = "/alice/calendar/";
  DavCursor c;
  c.sync_token = "http://radicale/sync/7";
  c.known["/alice/calendar/a.ics"] = "\"e1\"";
  g.cursor = encode_dav_cursor(c);
  auto b = cursor_baseline(FolderBackend::kDav, g);
  REQUIRE(b);
  CHECK(b->marker == "http://radicale/sync/7");
  CHECK_FALSE(marker_moved(FolderBackend::kDav, b->marker, "http://radicale/sync/7"));
  CHECK(marker_moved(FolderBackend::kDav, b->marker, "http://radicale/sync/8"));
  g.cursor = encode_dav_cursor(DavCursor{});
  b = cursor_baseline(FolderBackend::kDav, g);
  REQUIRE(b);
  CHECK(b->marker.empty());
}

TEST_CASE("unparseable markers compare as text") {
  CHECK(marker_moved(FolderBackend::kMail, "gone", "1/2/3/4"));
  CHECK_FALSE(marker_moved(FolderBackend::kMail, "x", "x"));
  CHECK(marker_moved(FolderBackend::kMail, "1/2/3", "1/2/3/4"));
}
