#pragma once
// Records the device in the registry (first seen, last seen, user agent, per-command
// counts) once the user is known. Governance checks (issue: device access, wipe, policy)
// come after it and read what it wrote.

#include "gateway/pipeline/check.h"

namespace easgate {

class DeviceSeenCheck final : public Check {
 public:
  std::string_view name() const override { return "device_seen"; }
  void run(const std::shared_ptr<RequestContext>& request,
           std::function<void(CheckVerdict)> done) override;
};

}  // namespace easgate
