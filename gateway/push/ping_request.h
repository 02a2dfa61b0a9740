#pragma once
// The Ping request (MS-ASCMD 2.2.1.13) as plain values, and the rules that turn it into
// either a Ping to hold or an immediate status. Pure logic, no I/O: unit-tested and fuzzed.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// Ping Status values (MS-ASCMD 2.2.3.177.10).
enum PingStatus : int {
  kPingExpired = 1,           // heartbeat ended without changes: reissue the Ping
  kPingChanges = 2,           // changes in the listed folders: Sync them
  kPingMissingParameters = 3,  // no HeartbeatInterval / Folders and none remembered
  kPingSyntaxError = 4,       // the request is not a well-formed Ping
  kPingBadHeartbeat = 5,      // HeartbeatInterval out of range; response carries the bound
  kPingTooManyFolders = 6,    // more folders than MaxFolders; response carries the limit
  kPingFolderSyncNeeded = 7,  // unknown folder / hierarchy changed: FolderSync first
  kPingServerError = 8,       // transient server error: retry later
};

// One folder to watch, as the client named it.
struct PingFolder {
  std::string id;          // Ping:Id: the folder's ServerId from FolderSync
  std::string folder_class;  // Ping:Class: Email, Calendar, Contacts, Tasks, Notes ("" = not sent)
  friend bool operator==(const PingFolder&, const PingFolder&) = default;
};

// What the client sent; absent elements stay nullopt / empty.
struct PingRequest {
  std::optional<uint32_t> heartbeat_seconds;  // HeartbeatInterval
  bool has_folders = false;                   // a Folders element was present
  std::vector<PingFolder> folders;            // its Folder children, in order
};

// Bounds the server accepts (config eas.ping, reloadable on SIGHUP).
struct PingLimits {
  uint32_t min_heartbeat_seconds = 60;    // shorter -> Status 5 with this value
  uint32_t max_heartbeat_seconds = 3540;  // longer -> Status 5 with this value
  uint32_t max_folders = 300;             // more -> Status 6 with MaxFolders
};

// The parameters of the last accepted Ping of a device (MS-ASCMD 2.2.3.88.1: the server
// caches them so later Pings may omit them).
struct RememberedPing {
  uint32_t heartbeat_seconds = 0;   // last accepted interval
  std::vector<PingFolder> folders;  // last accepted folder list
};

// Either a Ping to hold, or a status to answer now (with its extra element).
struct PingDecision {
  int status = 0;                 // 0: hold; otherwise the Ping Status to answer with
  uint32_t heartbeat_seconds = 0;  // hold: the interval; Status 5: the allowed bound
  uint32_t max_folders = 0;        // Status 6: the limit
  std::vector<PingFolder> folders;  // hold: the folders to watch (deduplicated)
};

// Reads a decoded Ping body; nullopt when it is not a Ping document or an element is
// malformed (Status 4). An absent body (nullptr) is an empty Ping: everything remembered.
std::optional<PingRequest> parse_ping_request(const WbxmlElement* root);

// Applies MS-ASCMD 3.2.5.1 / 2.2.3.88.1 / 2.2.3.102: remembered parameters fill what is
// omitted; bounds give Status 3, 5 or 6.
PingDecision decide_ping(const PingRequest& request, const std::optional<RememberedPing>& last,
                         const PingLimits& limits);

// The response document: Status, plus Folders (Status 2), HeartbeatInterval (Status 5) or
// MaxFolders (Status 6).
WbxmlDocument ping_response(int status, const std::vector<std::string>& changed_folders,
                            uint32_t heartbeat_seconds, uint32_t max_folders);

}  // namespace easgate
