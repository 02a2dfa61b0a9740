#pragma once
// How governance refusals reach a device, by protocol version (MS-ASCMD 2.2.2 common
// status codes are defined from 14.0; older clients get HTTP codes):
//   14.0+ : HTTP 200 with the command's top-level element holding <Status>N</Status>
//   < 14.0: HTTP 403 (refused) or 449 (provision again / wipe pending)

#include <string>

#include "gateway/core/status.h"
#include "gateway/eas/eas_command.h"
#include "gateway/eas/protocol_version.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// MS-ASCMD 2.2.2 common status codes used by governance.
inline constexpr int kStatusUserDisabledForSync = 126;       // this user may not use EAS
inline constexpr int kStatusDeviceIsBlockedForThisUser = 129;  // device access: blocked
inline constexpr int kStatusDeviceNotFullyProvisionable = 139;  // partial ack refused
inline constexpr int kStatusRemoteWipeRequested = 140;       // call Provision to get the wipe
inline constexpr int kStatusLegacyDeviceOnStrictPolicy = 141;  // device cannot get the policy
inline constexpr int kStatusDeviceNotProvisioned = 142;      // provision first
inline constexpr int kStatusInvalidPolicyKey = 144;          // provision again (policy changed)
inline constexpr int kStatusMaximumDevicesReached = 177;     // per-user device limit

// The refusal for `version`: a 200 + `eas_status` document from 14.0, else HTTP
// `legacy_http` (403 or 449). `why` is for the log line only.
Status governance_refusal(ProtocolVersion version, int eas_status, int legacy_http,
                          std::string why);

// <Command><Status>N</Status></Command> for `command` (the element MS-ASCMD puts common
// status codes in). Commands without a top-level Status (none today) get the Provision
// form, which every client that provisions understands.
WbxmlDocument command_status_document(EasCommand command, int status);

}  // namespace easgate
