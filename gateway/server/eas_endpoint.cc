#include "gateway/server/eas_endpoint.h"

#include "gateway/commands/folder_create.h"
#include "gateway/commands/folder_delete.h"
#include "gateway/commands/folder_sync.h"
#include "gateway/commands/ping.h"
#include "gateway/commands/folder_update.h"
#include "gateway/commands/find.h"
#include "gateway/commands/get_attachment.h"
#include "gateway/commands/item_operations.h"
#include "gateway/commands/meeting_response.h"
#include "gateway/commands/resolve_recipients.h"
#include "gateway/commands/search.h"
#include "gateway/commands/move_items.h"
#include "gateway/commands/send_mail.h"
#include "gateway/commands/smart_forward.h"
#include "gateway/commands/smart_reply.h"
#include "gateway/commands/provision.h"
#include "gateway/commands/quarantine_notice.h"
#include "gateway/commands/settings.h"
#include "gateway/commands/get_item_estimate.h"
#include "gateway/commands/sync.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/log.h"
#include "gateway/eas/eas_request.h"
#include "gateway/eas/protocol_version.h"
#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/pipeline/authenticate_check.h"
#include "gateway/pipeline/device_seen_check.h"
#include "gateway/pipeline/governance_checks.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/push/supersede_check.h"

namespace easgate {

EasEndpoint::EasEndpoint(WorkerServices& services) : services_(services) {
  options_checks_.add(std::make_unique<AuthenticateCheck>());
  // DESIGN.md order: authenticate, user enabled, device access, throttling, remote wipe,
  // policy key. Governance checks slot in after device_seen, which records the device.
  command_checks_.add(std::make_unique<PreauthAccessCheck>());  // refuses blocked, no login
  command_checks_.add(std::make_unique<AuthenticateCheck>());
  command_checks_.add(std::make_unique<EnablementCheck>());  // before a new device is recorded
  command_checks_.add(std::make_unique<DeviceSeenCheck>());
  command_checks_.add(std::make_unique<DeviceAccessCheck>());
  command_checks_.add(std::make_unique<ThrottleCheck>(services.config->governance.throttle));
  command_checks_.add(std::make_unique<RemoteWipeCheck>());
  command_checks_.add(std::make_unique<PolicyKeyCheck>());
  command_checks_.add(std::make_unique<SupersedeHeldCheck>());  // a Sync ends a held Ping

  handlers_[EasCommand::kFolderSync] = std::make_unique<FolderSyncHandler>();
  handlers_[EasCommand::kPing] = std::make_unique<PingHandler>();
  handlers_[EasCommand::kProvision] = std::make_unique<ProvisionHandler>();
  handlers_[EasCommand::kSettings] = std::make_unique<SettingsHandler>();
  handlers_[EasCommand::kSendMail] = std::make_unique<SendMailHandler>();
  handlers_[EasCommand::kItemOperations] = std::make_unique<ItemOperationsHandler>();
  handlers_[EasCommand::kSearch] = std::make_unique<SearchHandler>();
  handlers_[EasCommand::kFind] = std::make_unique<FindHandler>();
  handlers_[EasCommand::kGetAttachment] = std::make_unique<GetAttachmentHandler>();
  handlers_[EasCommand::kMeetingResponse] = std::make_unique<MeetingResponseHandler>();
  handlers_[EasCommand::kResolveRecipients] = std::make_unique<ResolveRecipientsHandler>();
  handlers_[EasCommand::kSmartReply] = std::make_unique<SmartReplyHandler>();
  handlers_[EasCommand::kSmartForward] = std::make_unique<SmartForwardHandler>();
  handlers_[EasCommand::kFolderCreate] = std::make_unique<FolderCreateHandler>();
  handlers_[EasCommand::kFolderDelete] = std::make_unique<FolderDeleteHandler>();
  handlers_[EasCommand::kFolderUpdate] = std::make_unique<FolderUpdateHandler>();
  handlers_[EasCommand::kMoveItems] = std::make_unique<MoveItemsHandler>();
  handlers_[EasCommand::kSync] = std::make_unique<SyncHandler>();
  handlers_[EasCommand::kGetItemEstimate] = std::make_unique<GetItemEstimateHandler>();
  if (!handlers_.count(EasCommand::kSync)) {
    handlers_[EasCommand::kSync] = std::make_unique<QuarantineOnlySyncHandler>();
  }
}

std::string EasEndpoint::protocol_commands_header() const {
  std::string out;
  for (const auto& info : eas_command_table()) {
    if (!handlers_.count(info.command)) continue;
    if (!out.empty()) out += ',';
    out += info.name;
  }
  return out;
}

void EasEndpoint::handle(HttpRequest http, std::shared_ptr<HttpResponder> responder) {
  auto request = std::make_shared<RequestContext>(services_, std::move(http), std::move(responder));
  if (!iequals(request->http.path, kActiveSyncPath)) {
    request->reply_error(Status::not_found("no such path").with_http_status(404));
    return;
  }
  if (request->http.method == "OPTIONS") {
    handle_options(std::move(request));
    return;
  }
  if (request->http.method != "POST") {
    HttpResponse response;
    response.status = 405;
    response.headers.add("Allow", "OPTIONS,POST");
    request->reply(std::move(response));
    return;
  }
  auto eas = parse_eas_request(request->http);
  if (!eas.is_ok()) {
    request->reply_error(eas.status());
    return;
  }
  request->eas = std::move(eas.value());
  if (!handlers_.count(request->eas->command->command)) {
    request->reply_error(Status::unsupported(std::string(request->eas->command->name) +
                                             " is not implemented yet")
                             .with_http_status(501));
    return;
  }
  command_checks_.run(request, [this, request] { dispatch(request); });
}

void EasEndpoint::handle_options(std::shared_ptr<RequestContext> request) {
  options_checks_.run(request, [this, request] {
    // MS-ASHTTP 2.2.2.1.1: the versions and commands the server supports.
    HttpResponse response;
    response.status = 200;
    response.headers.add("Allow", "OPTIONS,POST");
    response.headers.add("Public", "OPTIONS,POST");
    response.headers.add("MS-ASProtocolVersions", all_protocol_versions_header());
    response.headers.add("MS-ASProtocolCommands", protocol_commands_header());
    request->reply(std::move(response));
  });
}

void EasEndpoint::dispatch(const std::shared_ptr<RequestContext>& request) {
  const EasCommandInfo& info = *request->eas->command;
  std::string& body = request->http.body;
  if (!body.empty() && info.body != EasBodyKind::kNone && info.body != EasBodyKind::kMimeOrWbxml) {
    auto decoded = decode_wbxml(body);
    if (!decoded.is_ok()) {
      // MS-ASCMD 2.2.2 common status 102 (InvalidWBXML) is for 14.0+; every version
      // understands HTTP 400, which is what Exchange sends for a body it cannot parse.
      log_info("eas").msg("bad WBXML body").kv("cmd", info.name)
          .kv("error", decoded.status().message());
      request->reply_error(Status::malformed("invalid WBXML: " + decoded.status().message()));
      return;
    }
    request->body = std::move(decoded.value());
    std::string().swap(body);  // the tree holds what is needed; free the bytes early
  } else if (body.empty() && info.body == EasBodyKind::kWbxml) {
    request->reply_error(Status::malformed(std::string(info.name) + " needs a WBXML body"));
    return;
  }
  if (request->quarantined && info.command != EasCommand::kProvision &&
      info.command != EasCommand::kSettings) {
    quarantine_.handle(request);  // a quarantined device sees only the notice
    return;
  }
  handlers_.at(info.command)->handle(request);
}

}  // namespace easgate
