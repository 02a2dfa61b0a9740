#pragma once
// Sync (MS-ASCMD 2.2.1.21): several collections per request, each run by its class's
// engine (Email over IMAP: sync_email.h) one after the other, answered in one response.
// Hanging Sync (Wait / HeartbeatInterval) and Partial belong to Direct Push: a Wait is
// answered at once, a Partial or empty Sync gets Status 13 (no request is cached).

#include "gateway/commands/command_handler.h"

namespace easgate {

class SyncHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
