#include "gateway/eas/eas_command.h"

namespace easgate {
namespace {

using V = ProtocolVersion;
using B = EasBodyKind;

constexpr EasCommandInfo kCommands[] = {
    {EasCommand::kSync, "Sync", 0, V::v2_5(), B::kWbxmlOrEmpty, false},
    {EasCommand::kSendMail, "SendMail", 1, V::v2_5(), B::kMimeOrWbxml, false},
    {EasCommand::kSmartForward, "SmartForward", 2, V::v2_5(), B::kMimeOrWbxml, false},
    {EasCommand::kSmartReply, "SmartReply", 3, V::v2_5(), B::kMimeOrWbxml, false},
    {EasCommand::kGetAttachment, "GetAttachment", 4, V::v2_5(), B::kNone, false},
    {EasCommand::kFolderSync, "FolderSync", 9, V::v2_5(), B::kWbxml, false},
    {EasCommand::kFolderCreate, "FolderCreate", 10, V::v2_5(), B::kWbxml, false},
    {EasCommand::kFolderDelete, "FolderDelete", 11, V::v2_5(), B::kWbxml, false},
    {EasCommand::kFolderUpdate, "FolderUpdate", 12, V::v2_5(), B::kWbxml, false},
    {EasCommand::kMoveItems, "MoveItems", 13, V::v2_5(), B::kWbxml, false},
    {EasCommand::kGetItemEstimate, "GetItemEstimate", 14, V::v2_5(), B::kWbxml, false},
    {EasCommand::kMeetingResponse, "MeetingResponse", 15, V::v2_5(), B::kWbxml, false},
    {EasCommand::kSearch, "Search", 16, V::v2_5(), B::kWbxml, false},
    {EasCommand::kSettings, "Settings", 17, V::v12_0(), B::kWbxml, false},
    {EasCommand::kPing, "Ping", 18, V::v2_5(), B::kWbxmlOrEmpty, false},
    {EasCommand::kItemOperations, "ItemOperations", 19, V::v12_0(), B::kWbxml, false},
    {EasCommand::kProvision, "Provision", 20, V::v2_5(), B::kWbxml, true},
    {EasCommand::kResolveRecipients, "ResolveRecipients", 21, V::v2_5(), B::kWbxml, false},
    {EasCommand::kValidateCert, "ValidateCert", 22, V::v2_5(), B::kWbxml, false},
    {EasCommand::kFind, "Find", 23, V::v16_1(), B::kWbxml, false},
};

}  // namespace

std::span<const EasCommandInfo> eas_command_table() { return kCommands; }

const EasCommandInfo* find_eas_command(std::string_view name) {
  for (const auto& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const EasCommandInfo* find_eas_command(uint8_t code) {
  for (const auto& c : kCommands) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

const EasCommandInfo& eas_command_info(EasCommand command) {
  for (const auto& c : kCommands) {
    if (c.command == command) return c;
  }
  return kCommands[0];  // unreachable: the table covers the enum
}

std::string_view eas_command_name(EasCommand command) { return eas_command_info(command).name; }

}  // namespace easgate
