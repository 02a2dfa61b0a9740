#pragma once
// SendMail (MS-ASCMD 2.2.1.17): submits the device's message as the user; SaveInSentItems
// keeps a copy in Sent Items.
// The request forms, statuses and flow are shared with the other compose commands
// (compose_common.h).

#include "gateway/commands/command_handler.h"
#include "gateway/commands/compose_common.h"

namespace easgate {

class SendMailHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override {
    run_compose(std::move(request), ComposeKind::kSendMail);
  }
};

}  // namespace easgate
