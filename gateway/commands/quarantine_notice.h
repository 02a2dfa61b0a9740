#pragma once
// What a quarantined device sees (Exchange behaviour): a hierarchy with only the Inbox and
// in it one message explaining that an administrator must allow the device. Stateless:
// the answers follow from the client's SyncKeys, so nothing is stored for the notice and
// the real hierarchy starts fresh (FolderSync SyncKey 0) once the device is allowed.
// Ping answers "no changes"; other commands are refused with HTTP 403.

#include "gateway/commands/command_handler.h"

namespace easgate {

class QuarantineNoticeHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

// Until the Sync handler exists (mail issue) Sync is registered with this handler, which
// serves quarantined devices and answers 501 to everyone else.
class QuarantineOnlySyncHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
