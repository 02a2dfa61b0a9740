#pragma once
// What a request does when a remote wipe is pending (MS-ASPROV 3.2.5.1.2; MS-ASCMD 2.2.2
// status 140). Pure logic over the stored wipe life cycle and the request's protocol.

#include <cstdint>

namespace easgate {

// Where the device's wipe is (mirrors the store's WipeState without depending on it).
enum class WipePhase : uint8_t {
  kNone,          // nothing requested
  kPending,       // requested or already sent: deliver (again) on the next request
  kAcknowledged,  // the device confirmed; it stays blocked until an admin clears it
};

// Which wipe.
enum class WipeScope : uint8_t {
  kFull,         // RemoteWipe
  kAccountOnly,  // AccountOnlyRemoteWipe, only in protocol 16.1
};

// What the pipeline does.
enum class WipeAction : uint8_t {
  kProceed,              // no wipe: continue
  kDeliverInProvision,   // a Provision request: answer it with the wipe directive
  kStatus140,            // 14.0+ non-Provision: common Status 140 RemoteWipeRequested
  kHttp449,              // before 14.0: HTTP 449 makes the device call Provision
  kBlockWiped,           // wipe acknowledged earlier: refuse (129 / 403)
  kBlockUndeliverable,   // an account-only wipe for a device older than 16.1: never
                         // escalate to a full wipe; refuse until an admin decides
};

// `protocol_code` is ProtocolVersion::code (141 = 14.1).
WipeAction decide_wipe(WipePhase phase, WipeScope scope, uint8_t protocol_code,
                       bool is_provision_command);
const char* wipe_action_name(WipeAction action);

}  // namespace easgate
