#pragma once
// The governance checks, in DESIGN.md order (see EasEndpoint's constructor):
//   PreauthAccessCheck  before authenticate: refuses (never grants) a device the rules
//                       block, on the claimed user + device id, so a blocked device costs
//                       no backend login at all
//   EnablementCheck     user EAS enabled, per-user device limit (before the device is
//                       registered, so a refused device leaves no record)
//   DeviceAccessCheck   allow / block / quarantine, recorded in the store; quarantine
//                       sends the notice mail once per device
//   ThrottleCheck       token bucket per user + device (off by default)
//   RemoteWipeCheck     a pending wipe: status 140 / HTTP 449, or Provision delivers it
//   PolicyKeyCheck      current policy key: status 142 / 144, or HTTP 449 before 14.0
// Each check returns a closed verdict, records a metric and logs one line per refusal.

#include "gateway/pipeline/check.h"
#include "rules/throttle/token_bucket.h"

namespace easgate {

class PreauthAccessCheck final : public Check {
 public:
  std::string_view name() const override { return "preauth_access"; }
  void run(const std::shared_ptr<RequestContext>& request,
           std::function<void(CheckVerdict)> done) override;
};

class EnablementCheck final : public Check {
 public:
  std::string_view name() const override { return "enablement"; }
  void run(const std::shared_ptr<RequestContext>& request,
           std::function<void(CheckVerdict)> done) override;
};

class DeviceAccessCheck final : public Check {
 public:
  std::string_view name() const override { return "device_access"; }
  void run(const std::shared_ptr<RequestContext>& request,
           std::function<void(CheckVerdict)> done) override;
};

// One per worker (the endpoint is per worker), so the buckets need no lock.
class ThrottleCheck final : public Check {
 public:
  explicit ThrottleCheck(ThrottleSettings settings) : buckets_(settings) {}
  std::string_view name() const override { return "throttle"; }
  void run(const std::shared_ptr<RequestContext>& request,
           std::function<void(CheckVerdict)> done) override;

 private:
  TokenBucketThrottle buckets_;
};

class RemoteWipeCheck final : public Check {
 public:
  std::string_view name() const override { return "remote_wipe"; }
  void run(const std::shared_ptr<RequestContext>& request,
           std::function<void(CheckVerdict)> done) override;
};

class PolicyKeyCheck final : public Check {
 public:
  std::string_view name() const override { return "policy_key"; }
  void run(const std::shared_ptr<RequestContext>& request,
           std::function<void(CheckVerdict)> done) override;
};

}  // namespace easgate
