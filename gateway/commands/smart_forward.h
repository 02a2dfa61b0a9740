#pragma once
// SmartForward (MS-ASCMD 2.2.1.19): the device's forward completed with the original's text
// and attachments (unless ReplaceMime); the original gets $Forwarded.
// The request forms, statuses and flow are shared with the other compose commands
// (compose_common.h).

#include "gateway/commands/command_handler.h"
#include "gateway/commands/compose_common.h"

namespace easgate {

class SmartForwardHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override {
    run_compose(std::move(request), ComposeKind::kSmartForward);
  }
};

}  // namespace easgate
