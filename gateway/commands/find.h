#pragma once
// Find (MS-ASCMD 2.2.1.2, protocol 16.1) over the mailbox: FreeText in one folder or all,
// Range paging. Results carry the summary properties Find defines (Subject, From,
// DisplayTo, DateReceived, Read, Preview, HasAttachments...). Their airsync:ServerId is
// the Search LongId form, which ItemOperations Fetch accepts as a ServerId.

#include "gateway/commands/command_handler.h"

namespace easgate {

class FindHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
