#pragma once
// Settings (MS-ASCMD 2.2.1.18): DeviceInformation Set (the device registry), DevicePassword
// Set (recovery password), UserInformation Get (14.1+ Accounts form), and Oof Get/Set
// answered "server unavailable" until out-of-office lands (another issue).

#include "gateway/commands/command_handler.h"

namespace easgate {

class SettingsHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
