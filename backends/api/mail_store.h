#pragma once
// The mailbox backend as the command handlers see it. One instance per worker event loop;
// callbacks run on that loop. Implementations: backends/imap.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backends/api/credentials.h"
#include "gateway/core/status.h"

namespace easgate {

// RFC 6154 special-use role of a mail folder.
enum class SpecialUse : uint8_t {
  kNone,     // an ordinary user folder
  kInbox,    // INBOX (not a special-use attribute, but a role all the same)
  kDrafts,   // \Drafts
  kSent,     // \Sent
  kTrash,    // \Trash
  kJunk,     // \Junk
  kArchive,  // \Archive
  kAll,      // \All (virtual)
  kFlagged,  // \Flagged (virtual)
};

struct MailFolderInfo {
  // Full IMAP mailbox name in its modified UTF-7 wire form, e.g. "Archive/2024".
  std::string name;
  // Display name: last hierarchy level, decoded to UTF-8.
  std::string display_name;
  // Full name of the parent mailbox; empty for top-level folders.
  std::string parent_name;
  // Hierarchy delimiter the server uses ('/' or '.'); 0 when flat.
  char delimiter = '/';
  SpecialUse special_use = SpecialUse::kNone;
  // RFC 8474 MAILBOXID when the server offers OBJECTID; stable across renames.
  std::string mailbox_id;
  // UIDVALIDITY; 0 when unknown. A change means the folder's UIDs were reset.
  uint32_t uidvalidity = 0;
  // \Noselect or \NonExistent: a hierarchy node that holds no messages.
  bool selectable = true;
};

class MailStore {
 public:
  virtual ~MailStore() = default;
  // Every mailbox the user can see (LIST with SPECIAL-USE and STATUS), INBOX first.
  virtual void list_folders(
      const Credentials& credentials,
      std::function<void(Result<std::vector<MailFolderInfo>>)> done) = 0;
};

}  // namespace easgate
