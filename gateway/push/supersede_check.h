#pragma once
// A Sync from a device ends that device's held Ping at once (MS-ASCMD 3.2.5: the device
// has moved on; the older request is answered with Status 1), wherever it is held. Runs
// after authentication, so only the device's own user can end its Ping.

#include "gateway/pipeline/check.h"

namespace easgate {

class SupersedeHeldCheck final : public Check {
 public:
  std::string_view name() const override { return "supersede_held"; }
  void run(const std::shared_ptr<RequestContext>& request,
           std::function<void(CheckVerdict)> done) override;
};

}  // namespace easgate
