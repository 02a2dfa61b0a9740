#pragma once
// Ping (MS-ASCMD 2.2.1.13): Direct Push. Validates the request (Status 3-7 at once), then
// hands it to this worker's WorkerPush, which holds it until a watched folder changes
// (Status 2), the heartbeat ends (Status 1), a newer Ping or Sync of the device arrives
// (Status 1), or the gateway shuts down (Status 1). See gateway/push/worker_push.h.

#include "gateway/commands/command_handler.h"

namespace easgate {

class PingHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
