#include <doctest/doctest.h>

#include "gateway/push/ping_request.h"

using namespace easgate;
namespace ping = tag::ping;

namespace {

WbxmlElement ping_doc(std::optional<std::string> heartbeat,
                      std::vector<std::pair<std::string, std::string>> folders,
                      bool with_folders = true) {
  WbxmlElement root(ping::kPing);
  if (heartbeat) root.add_text(ping::kHeartbeatInterval, *heartbeat);
  if (with_folders) {
    WbxmlElement& list = root.add_child(ping::kFolders);
    for (auto& [id, cls] : folders) {
      WbxmlElement& f = list.add_child(ping::kFolder);
      f.add_text(ping::kId, id);
      if (!cls.empty()) f.add_text(ping::kClass, cls);
    }
  }
  return root;
}

PingLimits limits() {
  PingLimits l;
  l.min_heartbeat_seconds = 60;
  l.max_heartbeat_seconds = 3540;
  l.max_folders = 3;
  return l;
}

}  // namespace

TEST_CASE("a complete Ping is held with its interval and folders") {
  auto doc = ping_doc("480", {{"1", "Email"}, {"7", "Calendar"}});
  auto req = parse_ping_request(&doc);
  REQUIRE(req);
  PingDecision d = decide_ping(*req, std::nullopt, limits());
  CHECK(d.status == 0);
  CHECK(d.heartbeat_seconds == 480);
  REQUIRE(d.folders.size() == 2);
  CHECK(d.folders[1].id == "7");
  CHECK(d.folders[1].folder_class == "Calendar");
}

TEST_CASE("an empty Ping without remembered parameters is Status 3") {
  auto req = parse_ping_request(nullptr);
  REQUIRE(req);
  CHECK(decide_ping(*req, std::nullopt, limits()).status == kPingMissingParameters);
  auto only_interval = ping_doc("300", {}, false);
  auto r2 = parse_ping_request(&only_interval);
  REQUIRE(r2);
  CHECK(decide_ping(*r2, std::nullopt, limits()).status == kPingMissingParameters);
}

TEST_CASE("omitted parameters come from the device's last accepted Ping") {
  RememberedPing last{600, {{"1", "Email"}}};
  auto empty = parse_ping_request(nullptr);
  PingDecision d = decide_ping(*empty, last, limits());
  CHECK(d.status == 0);
  CHECK(d.heartbeat_seconds == 600);
  CHECK(d.folders == last.folders);
  // A new interval with the remembered folders.
  auto doc = ping_doc("120", {}, false);
  d = decide_ping(*parse_ping_request(&doc), last, limits());
  CHECK(d.heartbeat_seconds == 120);
  CHECK(d.folders.size() == 1);
}

TEST_CASE("out-of-range heartbeats give Status 5 with the violated bound") {
  auto low = ping_doc("59", {{"1", "Email"}});
  PingDecision d = decide_ping(*parse_ping_request(&low), std::nullopt, limits());
  CHECK(d.status == kPingBadHeartbeat);
  CHECK(d.heartbeat_seconds == 60);
  auto high = ping_doc("3541", {{"1", "Email"}});
  d = decide_ping(*parse_ping_request(&high), std::nullopt, limits());
  CHECK(d.status == kPingBadHeartbeat);
  CHECK(d.heartbeat_seconds == 3540);
  auto edge = ping_doc("3540", {{"1", "Email"}});
  CHECK(decide_ping(*parse_ping_request(&edge), std::nullopt, limits()).status == 0);
}

TEST_CASE("too many folders give Status 6 with MaxFolders; duplicates count once") {
  auto doc = ping_doc("300", {{"1", ""}, {"2", ""}, {"3", ""}, {"4", ""}});
  PingDecision d = decide_ping(*parse_ping_request(&doc), std::nullopt, limits());
  CHECK(d.status == kPingTooManyFolders);
  CHECK(d.max_folders == 3);
  auto dup = ping_doc("300", {{"1", ""}, {"2", ""}, {"1", ""}, {"2", ""}});
  d = decide_ping(*parse_ping_request(&dup), std::nullopt, limits());
  CHECK(d.status == 0);
  CHECK(d.folders.size() == 2);
}

TEST_CASE("malformed Pings are syntax errors") {
  SUBCASE("wrong root") {
    WbxmlElement root(tag::folder_hierarchy::kFolderSync);
    CHECK_FALSE(parse_ping_request(&root));
  }
  SUBCASE("non-numeric interval") {
    auto doc = ping_doc("12a", {{"1", ""}});
    CHECK_FALSE(parse_ping_request(&doc));
  }
  SUBCASE("negative interval") {
    auto doc = ping_doc("-5", {{"1", ""}});
    CHECK_FALSE(parse_ping_request(&doc));
  }
  SUBCASE("folder without Id") {
    WbxmlElement root(ping::kPing);
    root.add_child(ping::kFolders).add_child(ping::kFolder).add_text(ping::kClass, "Email");
    CHECK_FALSE(parse_ping_request(&root));
  }
  SUBCASE("unknown child") {
    auto doc = ping_doc("300", {{"1", ""}});
    doc.add_text(ping::kMaxFolders, "3");
    CHECK_FALSE(parse_ping_request(&doc));
  }
  SUBCASE("folder id longer than 64") {
    auto doc = ping_doc("300", {{std::string(65, 'x'), ""}});
    CHECK_FALSE(parse_ping_request(&doc));
  }
}

TEST_CASE("responses carry the element each status needs") {
  WbxmlDocument changes = ping_response(kPingChanges, {"1", "7"}, 0, 0);
  CHECK(changes.root.child_text(ping::kStatus) == "2");
  REQUIRE(changes.root.child(ping::kFolders));
  CHECK(changes.root.child(ping::kFolders)->children_named(ping::kFolder).size() == 2);
  WbxmlDocument bad = ping_response(kPingBadHeartbeat, {}, 60, 0);
  CHECK(bad.root.child_text(ping::kHeartbeatInterval) == "60");
  WbxmlDocument many = ping_response(kPingTooManyFolders, {}, 0, 300);
  CHECK(many.root.child_text(ping::kMaxFolders) == "300");
  WbxmlDocument expired = ping_response(kPingExpired, {}, 0, 0);
  CHECK(expired.root.children().size() == 1);
}
