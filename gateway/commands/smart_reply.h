#pragma once
// SmartReply (MS-ASCMD 2.2.1.20): the device's reply completed with the original's quoted
// text (unless ReplaceMime); the original gets \Answered.
// The request forms, statuses and flow are shared with the other compose commands
// (compose_common.h).

#include "gateway/commands/command_handler.h"
#include "gateway/commands/compose_common.h"

namespace easgate {

class SmartReplyHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override {
    run_compose(std::move(request), ComposeKind::kSmartReply);
  }
};

}  // namespace easgate
