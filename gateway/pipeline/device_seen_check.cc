#include "gateway/pipeline/device_seen_check.h"

#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"

namespace easgate {

void DeviceSeenCheck::run(const std::shared_ptr<RequestContext>& request,
                          std::function<void(CheckVerdict)> done) {
  WorkerServices& services = request->services;
  const EasRequest& eas = *request->eas;
  DeviceKey key{request->credentials.user, eas.device_id};
  auto seen = services.store->upsert_device_seen(
      key, eas.device_type, eas.user_agent, eas.version.to_string(), services.clock->wall_now());
  if (!seen.is_ok()) {
    // Without the registry no governance decision can be made: refuse rather than guess.
    log_error("device").msg("cannot record device").kv("user", key.user_id)
        .kv("device_id", key.device_id).kv("error", seen.status().to_string());
    done(CheckVerdict::reject(Status::internal("state store unavailable")));
    return;
  }
  // The upsert returned the device as stored: later checks of this request use it.
  if (request->governance && request->governance_key.user_id == key.user_id &&
      request->governance_key.device_id == key.device_id) {
    if (!request->governance->device) ++request->governance->user_devices;
    request->governance->device = std::move(seen).value();
  }
  if (Status s = services.store->increment_command_count(key, std::string(eas.command->name)); !s) {
    services.metrics->record_degraded("command_count_not_recorded");
  }
  done(CheckVerdict::next());
}

}  // namespace easgate
