#pragma once
// FolderSync's hierarchy engine (MS-ASCMD 2.2.1.5), pure logic: the backend's folders are
// matched to the folders a device already knows, so a folder keeps its ServerId across
// renames and moves, and the difference between two snapshots is the change list sent.

#include <functional>
#include <string>
#include <vector>

#include "backends/api/collection_store.h"
#include "backends/api/mail_store.h"
#include "gateway/store/state_store.h"

namespace easgate {

// MS-ASCMD 2.2.3.186.3 FolderSync Type values that easgate hands out.
enum FolderType : int {
  kFolderTypeUserGeneric = 1,     // user-created generic folder
  kFolderTypeInbox = 2,           // default Inbox
  kFolderTypeDrafts = 3,          // default Drafts
  kFolderTypeDeletedItems = 4,    // default Deleted Items (IMAP \Trash)
  kFolderTypeSentItems = 5,       // default Sent Items
  kFolderTypeOutbox = 6,          // default Outbox
  kFolderTypeTasks = 7,           // default Tasks
  kFolderTypeCalendar = 8,        // default Calendar
  kFolderTypeContacts = 9,        // default Contacts
  kFolderTypeNotes = 10,          // default Notes
  kFolderTypeUserMail = 12,       // user-created mail folder
  kFolderTypeUserCalendar = 13,   // user-created calendar
  kFolderTypeUserContacts = 14,   // user-created contacts
  kFolderTypeUserTasks = 15,      // user-created tasks
  kFolderTypeUserNotes = 17,      // user-created notes
};

// A folder as the backends show it now, before it has a ServerId.
struct BackendFolder {
  std::string backend_ref;         // "imap:<mailbox name>" or "dav:<href>"; unique
  std::string backend_identity;    // survives renames: "mailboxid:..", "uidvalidity:..", href
  std::string parent_backend_ref;  // backend_ref of the parent; empty at the root
  std::string display_name;        // name shown on the device
  int type = kFolderTypeUserMail;  // FolderSync Type
};

// Mail folders (INBOX first) and DAV collections as one list, with EAS types chosen:
// the first folder of each special use gets the default type, the rest user types.
std::vector<BackendFolder> backend_folders_from(const std::vector<MailFolderInfo>& mail,
                                                const std::vector<DavCollection>& dav);

// Gives each backend folder the ServerId it already has in `known` (same ref and identity,
// or same identity under a new name = a rename), or a new one from `new_server_id`.
// The result is ordered parents before children.
std::vector<FolderEntry> assign_server_ids(const std::vector<FolderEntry>& known,
                                           const std::vector<BackendFolder>& backend,
                                           const std::function<std::string()>& new_server_id);

struct FolderHierarchyChanges {
  std::vector<FolderEntry> added;    // new folders, parents before children
  std::vector<FolderEntry> updated;  // same ServerId, new name, parent or type
  std::vector<std::string> deleted;  // ServerIds that are gone
  size_t count() const { return added.size() + updated.size() + deleted.size(); }
};

// What a device holding `older` must do to hold `newer`. Deterministic, so replaying it for
// a client that retries with the previous SyncKey gives the same answer.
FolderHierarchyChanges diff_folder_hierarchy(const std::vector<FolderEntry>& older,
                                             const std::vector<FolderEntry>& newer);

}  // namespace easgate
