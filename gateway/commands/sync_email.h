#pragma once
// The sync engine for one Email collection backed by an IMAP folder: applies the client's
// commands, collects server changes, walks the window and commits SyncKey N+1 together with
// the changes it carries (DESIGN.md "Sync engine"). Sync runs it once per collection; a
// hanging Sync (Direct Push) can run it again when the folder changes.
//
// Costs: a Sync with nothing new is one folder_state (one IMAP STATUS) plus two store
// reads, whatever the folder size; a changed folder is one changes_since (SELECT QRESYNC);
// a window of N new messages is one fetch_messages (one UID FETCH) — plus, during the
// initial walk, one list_messages per window.

#include <functional>
#include <memory>
#include <string>

#include "gateway/commands/email_item.h"
#include "gateway/eas/wbxml/wbxml_element.h"
#include "gateway/sync/sync_request.h"

namespace easgate {

class RequestContext;

// What the engine needs to know about the collection besides the request.
struct EmailCollectionTarget {
  // IMAP mailbox of the collection (FolderEntry::backend_ref without "imap:").
  std::string mailbox;
  // IMAP mailbox of Deleted Items (folder type 4) for DeletesAsMoves; empty: none.
  std::string trash_mailbox;
  // Item options after policy clamps (apply_policy).
  EmailItemOptions options;
  // Window size for this collection (1..512).
  uint32_t window_size = 100;
  // INTERNALDATE cutoff of the effective FilterType (epoch seconds); 0: all.
  int64_t since = 0;
  // The collection is the user's Drafts folder (type 3): 16.0+ clients may Add drafts.
  bool drafts = false;
  // The collection is the user's Inbox (type 2): 14.0+ clients may Add SMS items (MS-ASMS).
  bool inbox = false;
  // IMAP mailbox of Sent Items (folder type 5) for sent drafts; empty: none.
  std::string sent_mailbox;
};

// Runs the collection; `done` gets the AirSync:Collection element of the response (with
// its own Status on failure) exactly once, later, on the request's loop.
void sync_email_collection(std::shared_ptr<RequestContext> request,
                           SyncCollectionRequest collection, EmailCollectionTarget target,
                           std::function<void(WbxmlElement)> done);

// SmartReply / SmartForward carried out `verb` (MS-ASEMAIL 2.2.2.46: 1 reply to sender,
// 2 reply to all, 3 forward) on message `uid` of `mailbox`, now: kept beside the IMAP
// \Answered / $Forwarded mark so Sync can send email2:LastVerbExecutionTime. Best effort
// (a store error is logged; the mark alone still shows the verb). Synchronous.
void record_last_verb(RequestContext& request, const MailboxRef& mailbox, uint32_t uid, int verb);

// The Collection element of a failed collection: SyncKey as sent, CollectionId, Status.
WbxmlElement sync_collection_status(const SyncCollectionRequest& collection, int status);

}  // namespace easgate
