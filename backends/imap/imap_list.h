#pragma once
// Interpretation of LIST (RFC 3501 7.2.2, RFC 5258 LIST-EXTENDED, RFC 6154 SPECIAL-USE)
// and STATUS (RFC 3501 7.2.4, RFC 5819 LIST-STATUS, RFC 7162 HIGHESTMODSEQ, RFC 8474
// MAILBOXID) responses into folder descriptions. Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "backends/api/mail_store.h"
#include "backends/imap/imap_parser.h"
#include "gateway/core/status.h"

namespace easgate {

struct ImapListEntry {
  // Mailbox name as sent (modified UTF-7); "INBOX" normalised to upper case.
  std::string name;
  // Hierarchy delimiter; 0 when the server says NIL (flat namespace).
  char delimiter = 0;
  // Name attributes as sent, e.g. "\HasNoChildren", "\Sent".
  std::vector<std::string> attributes;
};

struct ImapMailboxStatus {
  // Mailbox name as sent; "INBOX" normalised to upper case.
  std::string name;
  // UIDVALIDITY; 0 when not reported.
  uint32_t uidvalidity = 0;
  // MESSAGES; 0 when not reported.
  uint32_t messages = 0;
  // UIDNEXT; 0 when not reported.
  uint32_t uidnext = 0;
  // HIGHESTMODSEQ (RFC 7162 3.1.2.1); 0 when not reported or the mailbox has no MODSEQs.
  uint64_t highestmodseq = 0;
  // MAILBOXID (RFC 8474 4); empty when not reported.
  std::string mailbox_id;
};

// Parses the values of an untagged LIST response.
Result<ImapListEntry> parse_list_response(const ImapResponse& response);
// Parses the values of an untagged STATUS response.
Result<ImapMailboxStatus> parse_status_response(const ImapResponse& response);

// Fills one MailFolderInfo from a LIST entry and (optionally) its STATUS.
MailFolderInfo make_folder_info(const ImapListEntry& entry, const ImapMailboxStatus* status);

// Turns the untagged responses of a LIST (with or without RETURN (STATUS ...)) and any
// STATUS responses into folders, INBOX first, then in server order. Malformed LIST or
// STATUS lines fail the whole listing: a silently missing folder would look deleted to
// the device (MS-ASCMD FolderSync).
Result<std::vector<MailFolderInfo>> folders_from_responses(
    const std::vector<ImapResponse>& untagged);

}  // namespace easgate
