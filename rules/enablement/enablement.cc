#include "rules/enablement/enablement.h"

namespace easgate {

EnablementVerdict decide_enablement(const EnablementFacts& f) {
  if (!f.user_enabled) return EnablementVerdict::kUserDisabled;
  // Only a new device is refused: devices already registered keep working when the limit
  // is lowered, as Exchange does (the admin removes partnerships to get under it).
  if (f.max_devices_per_user != 0 && !f.device_known &&
      f.devices_of_user >= f.max_devices_per_user) {
    return EnablementVerdict::kTooManyDevices;
  }
  return EnablementVerdict::kEnabled;
}

const char* enablement_verdict_name(EnablementVerdict v) {
  switch (v) {
    case EnablementVerdict::kEnabled: return "enabled";
    case EnablementVerdict::kUserDisabled: return "user_disabled";
    case EnablementVerdict::kTooManyDevices: return "too_many_devices";
  }
  return "unknown";
}

}  // namespace easgate
