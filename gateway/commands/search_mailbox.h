#pragma once
// Runs a MailboxSearchRequest (search_query.h) for Search and Find: folders from the
// device's FolderSync snapshot, one MailStore::search over them, the requested page of
// rows, then the page's messages in one fetch_messages() per folder. The commands only
// format what comes back.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/api/mail_store.h"
#include "gateway/commands/search_query.h"
#include "gateway/store/state_store.h"

namespace easgate {

class RequestContext;

// One row of a result page.
struct MailboxSearchRow {
  std::string collection_id;  // folder ServerId the message is in
  std::string long_id;        // make_long_id(): the row's Search LongId / Find ServerId
  FetchedMessage message;     // the message bytes, flags, date and size
};

// Where the rows of a search come from, decided synchronously before any backend call.
struct MailboxSearchPlan {
  // Outcome of the folder resolution.
  enum class Outcome : uint8_t {
    kReady,          // `mailboxes` is set; run it
    kEmpty,          // nothing can match (no mail class, no mail folder): empty result
    kUnknownFolder,  // a CollectionId not in the device's hierarchy: FolderSync first
    kNoHierarchy,    // the device never ran FolderSync
  };
  Outcome outcome = Outcome::kEmpty;  // what to do
  // IMAP mailbox name -> folder ServerId, for every folder searched.
  std::vector<std::pair<std::string, std::string>> mailboxes;
};

// Resolves the request's folders (with DeepTraversal, their subfolders too) against the
// device's current hierarchy. Synchronous: state store reads only.
MailboxSearchPlan plan_mailbox_search(StateStore& store, const DeviceKey& device,
                                      const MailboxSearchRequest& request);

// The result of a run.
struct MailboxSearchPage {
  Status status;                        // a backend failure (the search could not run)
  uint64_t total = 0;                   // rows matching in all
  IndexRange rows;                      // rows returned (meaningful when !items.empty())
  std::vector<MailboxSearchRow> items;  // the page, in result order
};

// Runs a kReady plan. `done` runs later on the request's loop, never inline.
void run_mailbox_search(std::shared_ptr<RequestContext> request, MailboxSearchPlan plan,
                        MailboxSearchRequest search, std::function<void(MailboxSearchPage)> done);

}  // namespace easgate
