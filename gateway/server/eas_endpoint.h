#pragma once
// The ActiveSync endpoint (/Microsoft-Server-ActiveSync): parses the EAS request, runs the
// check chain, decodes the body and hands the request to its command handler. One per
// worker; it owns that worker's checks and handlers.

#include <map>
#include <memory>

#include "gateway/commands/command_handler.h"
#include "gateway/commands/quarantine_notice.h"
#include "gateway/eas/eas_command.h"
#include "gateway/http/http_message.h"
#include "gateway/pipeline/check_chain.h"
#include "gateway/pipeline/worker_services.h"

namespace easgate {

class EasEndpoint final : public HttpHandler {
 public:
  explicit EasEndpoint(WorkerServices& services);
  void handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) override;

  // MS-ASProtocolCommands: the commands this gateway has handlers for.
  std::string protocol_commands_header() const;

 private:
  void handle_options(std::shared_ptr<RequestContext> request);
  void dispatch(const std::shared_ptr<RequestContext>& request);

  WorkerServices& services_;
  CheckChain options_checks_;  // OPTIONS needs the user, nothing more
  CheckChain command_checks_;  // every command: the DESIGN.md order
  std::map<EasCommand, std::unique_ptr<CommandHandler>> handlers_;
  QuarantineNoticeHandler quarantine_;  // serves quarantined devices (governance)
};

inline constexpr const char* kActiveSyncPath = "/Microsoft-Server-ActiveSync";

}  // namespace easgate
