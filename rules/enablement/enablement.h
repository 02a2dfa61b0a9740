#pragma once
// Per-user EAS enablement and the per-user device limit (MS-ASCMD 2.2.2 common statuses
// 126 UserDisabledForSync and 177 MaximumDevicesReached; HTTP 403 before 14.0).

#include <cstddef>
#include <cstdint>

namespace easgate {

// The enablement check's answer.
enum class EnablementVerdict : uint8_t {
  kEnabled,           // proceed
  kUserDisabled,      // the user's EAS access is switched off: 126 / 403
  kTooManyDevices,    // a new device over max_devices_per_user: 177 / 403
};

struct EnablementFacts {
  bool user_enabled = true;          // store users.eas_enabled
  bool device_known = false;         // the device was registered before this request
  size_t devices_of_user = 0;        // devices registered for the user (before this one)
  uint32_t max_devices_per_user = 0;  // config; 0 = unlimited
};

EnablementVerdict decide_enablement(const EnablementFacts& facts);
const char* enablement_verdict_name(EnablementVerdict verdict);

}  // namespace easgate
