#pragma once
// The EAS command table as data (MS-ASCMD 2.2.1, codes from MS-ASHTTP 2.2.1.1.1.1.2):
// command -> name, base64 code, the oldest protocol version that has it, and what its body is.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "gateway/eas/protocol_version.h"

namespace easgate {

enum class EasCommand : uint8_t {
  kSync,               // 0: synchronize a collection's items
  kSendMail,           // 1: submit a new message
  kSmartForward,       // 2: forward a message held on the server
  kSmartReply,         // 3: reply to a message held on the server
  kGetAttachment,      // 4: fetch an attachment (2.5–12.1; ItemOperations later)
  kFolderSync,         // 9: synchronize the folder hierarchy
  kFolderCreate,       // 10: create a folder
  kFolderDelete,       // 11: delete a folder
  kFolderUpdate,       // 12: rename or move a folder
  kMoveItems,          // 13: move items between folders
  kGetItemEstimate,    // 14: count pending changes
  kMeetingResponse,    // 15: accept/decline a meeting request
  kSearch,             // 16: search the mailbox or the GAL
  kSettings,           // 17: device info, OOF, user info
  kPing,               // 18: wait for changes (Direct Push)
  kItemOperations,     // 19: fetch, move, empty folder
  kProvision,          // 20: policy download and acknowledgement
  kResolveRecipients,  // 21: resolve names, certificates, availability
  kValidateCert,       // 22: validate S/MIME certificates
  kFind,               // 23: search (16.1)
};

// What the request body of a command carries.
enum class EasBodyKind : uint8_t {
  kWbxml,          // a WBXML document (most commands)
  kWbxmlOrEmpty,   // WBXML, or empty (Ping, Sync may be empty: reuse the cached request)
  kMimeOrWbxml,    // raw MIME for < 14.0, WBXML ComposeMail for 14.0+ (SendMail & co.)
  kNone,           // no body (GetAttachment)
};

struct EasCommandInfo {
  EasCommand command;           // the command
  std::string_view name;        // Cmd= value, e.g. "FolderSync"
  uint8_t code;                 // base64 query command code
  ProtocolVersion min_version;  // oldest version that defines the command
  EasBodyKind body;             // what the body holds
  bool exempt_from_policy;      // may run without a current policy key (Provision itself)
};

std::span<const EasCommandInfo> eas_command_table();
const EasCommandInfo* find_eas_command(std::string_view name);  // case-sensitive, as sent
const EasCommandInfo* find_eas_command(uint8_t code);
const EasCommandInfo& eas_command_info(EasCommand command);
std::string_view eas_command_name(EasCommand command);

}  // namespace easgate
