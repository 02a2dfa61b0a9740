#pragma once
// Search (MS-ASCMD 2.2.1.16) of the Mailbox store: free text, From/To/Subject, date
// ranges, one folder, several or all (DeepTraversal), Range paging. Each result carries a
// LongId (mail_item_ref.h) that ItemOperations Fetch, SmartReply and SmartForward accept,
// and the Email properties the Options ask for (email_item.h). Other stores (GAL,
// DocumentLibrary) get Store Status 2 here.

#include "gateway/commands/command_handler.h"

namespace easgate {

class SearchHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
