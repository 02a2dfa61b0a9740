#include "gateway/pipeline/governance_reply.h"

namespace easgate {
namespace {

struct TopLevel {
  Tag root;    // the command's response element
  Tag status;  // its Status child
};

TopLevel top_level(EasCommand command) {
  namespace t = tag;
  switch (command) {
    case EasCommand::kSync: return {t::air_sync::kSync, t::air_sync::kStatus};
    case EasCommand::kSendMail: return {t::compose_mail::kSendMail, t::compose_mail::kStatus};
    case EasCommand::kSmartForward:
      return {t::compose_mail::kSmartForward, t::compose_mail::kStatus};
    case EasCommand::kSmartReply: return {t::compose_mail::kSmartReply, t::compose_mail::kStatus};
    case EasCommand::kFolderSync:
      return {t::folder_hierarchy::kFolderSync, t::folder_hierarchy::kStatus};
    case EasCommand::kFolderCreate:
      return {t::folder_hierarchy::kFolderCreate, t::folder_hierarchy::kStatus};
    case EasCommand::kFolderDelete:
      return {t::folder_hierarchy::kFolderDelete, t::folder_hierarchy::kStatus};
    case EasCommand::kFolderUpdate:
      return {t::folder_hierarchy::kFolderUpdate, t::folder_hierarchy::kStatus};
    case EasCommand::kMoveItems: return {t::move::kMoveItems, t::move::kStatus};
    case EasCommand::kGetItemEstimate:
      return {t::get_item_estimate::kGetItemEstimate, t::get_item_estimate::kStatus};
    case EasCommand::kMeetingResponse:
      return {t::meeting_response::kMeetingResponse, t::meeting_response::kStatus};
    case EasCommand::kSearch: return {t::search::kSearch, t::search::kStatus};
    case EasCommand::kSettings: return {t::settings::kSettings, t::settings::kStatus};
    case EasCommand::kPing: return {t::ping::kPing, t::ping::kStatus};
    case EasCommand::kItemOperations:
      return {t::item_operations::kItemOperations, t::item_operations::kStatus};
    case EasCommand::kResolveRecipients:
      return {t::resolve_recipients::kResolveRecipients, t::resolve_recipients::kStatus};
    case EasCommand::kValidateCert:
      return {t::validate_cert::kValidateCert, t::validate_cert::kStatus};
    case EasCommand::kFind: return {t::find::kFind, t::find::kStatus};
    case EasCommand::kProvision:
    case EasCommand::kGetAttachment:
      break;
  }
  return {t::provision::kProvision, t::provision::kStatus};
}

}  // namespace

Status governance_refusal(ProtocolVersion version, int eas_status, int legacy_http,
                          std::string why) {
  if (version >= ProtocolVersion::v14_0()) {
    return Status::forbidden(std::move(why)).with_http_status(200).with_eas_status(eas_status);
  }
  return Status::forbidden(std::move(why)).with_http_status(legacy_http);
}

WbxmlDocument command_status_document(EasCommand command, int status) {
  TopLevel t = top_level(command);
  WbxmlDocument doc;
  doc.root = WbxmlElement(t.root);
  doc.root.add_text(t.status, std::to_string(status));
  return doc;
}

}  // namespace easgate
