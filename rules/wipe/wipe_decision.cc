#include "rules/wipe/wipe_decision.h"

namespace easgate {

WipeAction decide_wipe(WipePhase phase, WipeScope scope, uint8_t protocol_code,
                       bool is_provision_command) {
  if (phase == WipePhase::kNone) return WipeAction::kProceed;
  if (phase == WipePhase::kAcknowledged) return WipeAction::kBlockWiped;
  // MS-ASPROV 2.2.2.1: AccountOnlyRemoteWipe exists only in 16.1. Sending a full wipe
  // instead would erase a phone the admin meant to leave alone.
  if (scope == WipeScope::kAccountOnly && protocol_code < 161) {
    return WipeAction::kBlockUndeliverable;
  }
  if (is_provision_command) return WipeAction::kDeliverInProvision;
  // MS-ASCMD 2.2.2: Status 140 is defined from 14.0; older clients learn of it from 449.
  return protocol_code >= 140 ? WipeAction::kStatus140 : WipeAction::kHttp449;
}

const char* wipe_action_name(WipeAction a) {
  switch (a) {
    case WipeAction::kProceed: return "proceed";
    case WipeAction::kDeliverInProvision: return "deliver";
    case WipeAction::kStatus140: return "status_140";
    case WipeAction::kHttp449: return "http_449";
    case WipeAction::kBlockWiped: return "blocked_wiped";
    case WipeAction::kBlockUndeliverable: return "blocked_undeliverable";
  }
  return "unknown";
}

}  // namespace easgate
