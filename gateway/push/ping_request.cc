#include "gateway/push/ping_request.h"

#include <algorithm>
#include <charconv>

namespace easgate {
namespace {

namespace ping = tag::ping;

// MS-ASCMD 2.2.3.88.1: an integer number of seconds. Leading zeros are tolerated; signs,
// spaces and overflow are not.
std::optional<uint32_t> parse_seconds(std::string_view text) {
  uint32_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return value;
}

// MS-ASCMD 2.2.3.87.2: ServerIds are at most 64 characters.
constexpr size_t kMaxFolderIdLength = 64;

}  // namespace

std::optional<PingRequest> parse_ping_request(const WbxmlElement* root) {
  PingRequest out;
  if (root == nullptr) return out;
  if (!root->is(ping::kPing)) return std::nullopt;
  for (const WbxmlElement& child : root->children()) {
    if (child.is(ping::kHeartbeatInterval)) {
      if (out.heartbeat_seconds) return std::nullopt;  // twice
      auto seconds = parse_seconds(child.text());
      if (!seconds) return std::nullopt;
      out.heartbeat_seconds = *seconds;
    } else if (child.is(ping::kFolders)) {
      if (out.has_folders) return std::nullopt;
      out.has_folders = true;
      for (const WbxmlElement& folder : child.children()) {
        if (!folder.is(ping::kFolder)) return std::nullopt;
        PingFolder f;
        bool have_id = false;
        for (const WbxmlElement& part : folder.children()) {
          if (part.is(ping::kId) && !have_id) {
            have_id = true;
            f.id = std::string(part.text());
          } else if (part.is(ping::kClass) && f.folder_class.empty()) {
            f.folder_class = std::string(part.text());
          } else {
            return std::nullopt;
          }
        }
        if (!have_id || f.id.empty() || f.id.size() > kMaxFolderIdLength) return std::nullopt;
        out.folders.push_back(std::move(f));
      }
    } else {
      return std::nullopt;  // an element Ping does not define
    }
  }
  return out;
}

PingDecision decide_ping(const PingRequest& request, const std::optional<RememberedPing>& last,
                         const PingLimits& limits) {
  PingDecision d;
  // MS-ASCMD 2.2.3.88.1: HeartbeatInterval is required only in the first Ping; Folders
  // likewise (3.1.5.8: a Ping without a body reuses the cached parameters).
  std::optional<uint32_t> heartbeat = request.heartbeat_seconds;
  if (!heartbeat && last) heartbeat = last->heartbeat_seconds;
  std::vector<PingFolder> folders;
  if (request.has_folders) {
    folders = request.folders;
  } else if (last) {
    folders = last->folders;
  }
  if (!heartbeat || folders.empty()) {
    d.status = kPingMissingParameters;
    return d;
  }
  if (*heartbeat < limits.min_heartbeat_seconds || *heartbeat > limits.max_heartbeat_seconds) {
    d.status = kPingBadHeartbeat;
    d.heartbeat_seconds = *heartbeat < limits.min_heartbeat_seconds ? limits.min_heartbeat_seconds
                                                                     : limits.max_heartbeat_seconds;
    return d;
  }
  // The same folder listed twice is watched once (a device bug, not a reason to refuse).
  std::vector<PingFolder> unique;
  for (auto& f : folders) {
    bool seen = std::any_of(unique.begin(), unique.end(),
                            [&](const PingFolder& u) { return u.id == f.id; });
    if (!seen) unique.push_back(std::move(f));
  }
  if (unique.size() > limits.max_folders) {
    d.status = kPingTooManyFolders;
    d.max_folders = limits.max_folders;
    return d;
  }
  d.heartbeat_seconds = *heartbeat;
  d.folders = std::move(unique);
  return d;
}

WbxmlDocument ping_response(int status, const std::vector<std::string>& changed_folders,
                            uint32_t heartbeat_seconds, uint32_t max_folders) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(ping::kPing);
  doc.root.add_text(ping::kStatus, std::to_string(status));
  if (status == kPingChanges && !changed_folders.empty()) {
    WbxmlElement& list = doc.root.add_child(ping::kFolders);
    for (const auto& id : changed_folders) list.add_text(ping::kFolder, id);
  } else if (status == kPingBadHeartbeat) {
    doc.root.add_text(ping::kHeartbeatInterval, std::to_string(heartbeat_seconds));
  } else if (status == kPingTooManyFolders) {
    doc.root.add_text(ping::kMaxFolders, std::to_string(max_folders));
  }
  return doc;
}

}  // namespace easgate
