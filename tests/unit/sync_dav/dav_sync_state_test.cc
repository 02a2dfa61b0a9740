#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "gateway/sync/dav_sync_state.h"

using namespace easgate;

TEST_CASE("DAV cursor round-trips token and member ETags") {
  DavCursor c;
  c.sync_token = "http://radicale.org/ns/sync/abc";
  c.known["/alice/cal/a.ics"] = "\"e1\"";
  c.known["/alice/cal/b%20c.ics"] = "\"e2\"";
  auto back = decode_dav_cursor(encode_dav_cursor(c));
  REQUIRE(back);
  CHECK(*back == c);
}

TEST_CASE("empty texts are the empty cursor and window") {
  auto c = decode_dav_cursor("");
  REQUIRE(c);
  CHECK(c->sync_token.empty());
  CHECK(c->known.empty());
  auto w = decode_dav_pending_window("");
  REQUIRE(w);
  CHECK(w->empty());
  CHECK(encode_dav_pending_window(DavPendingWindow{}).empty());
}

TEST_CASE("pending window keeps order and kind") {
  DavPendingWindow w;
  w.removed = {"/a/x.ics"};
  w.changed = {"/a/z.ics", "/a/y.ics"};
  auto back = decode_dav_pending_window(encode_dav_pending_window(w));
  REQUIRE(back);
  CHECK(*back == w);
}

TEST_CASE("corrupt rows are refused, not misread") {
  CHECK_FALSE(decode_dav_cursor("imap1\n"));
  CHECK_FALSE(decode_dav_cursor("dav1\nk\tnoetag"));
  CHECK_FALSE(decode_dav_cursor("dav1\nx\tfoo\n"));
  CHECK_FALSE(decode_dav_pending_window("davw1\nq\t/a\n"));
  CHECK_FALSE(decode_dav_pending_window("garbage"));
}

TEST_CASE("values with TAB or LF are dropped on encode") {
  DavCursor c;
  c.known["/a/ok.ics"] = "\"1\"";
  c.known["/a/bad\n.ics"] = "\"2\"";
  auto back = decode_dav_cursor(encode_dav_cursor(c));
  REQUIRE(back);
  CHECK(back->known.size() == 1);
}

TEST_CASE("append_unique keeps the first position") {
  std::vector<std::string> v{"a", "b"};
  append_unique(v, "a");
  append_unique(v, "c");
  CHECK(v == std::vector<std::string>{"a", "b", "c"});
}
