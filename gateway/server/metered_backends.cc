#include "gateway/server/metered_backends.h"

#include <chrono>

#include "gateway/metrics/metrics.h"

namespace easgate {
namespace {

using Clock = std::chrono::steady_clock;

BackendCallResult result_of(const Status& s) {
  switch (s.kind()) {
    case ErrorKind::kOk: return BackendCallResult::kOk;
    case ErrorKind::kTimeout: return BackendCallResult::kTimeout;
    case ErrorKind::kBackendUnavailable: return BackendCallResult::kUnavailable;
    default: return BackendCallResult::kRejected;
  }
}

// Wraps `done` so the call's outcome and duration are recorded before it runs.
template <typename T>
std::function<void(T)> timed(Metrics& metrics, const std::string& backend, const char* operation,
                             std::function<void(T)> done) {
  auto start = Clock::now();
  return [&metrics, backend, operation, start, done = std::move(done)](T outcome) {
    Status status;
    if constexpr (std::is_same_v<T, Status>) status = outcome;
    else status = outcome.status();
    metrics.record_backend_call(backend, operation, result_of(status),
                                Metrics::Seconds(Clock::now() - start));
    done(std::move(outcome));
  };
}

}  // namespace

void MeteredAuthenticator::verify(const Credentials& credentials,
                                  std::function<void(Status)> done) {
  inner_->verify(credentials, timed<Status>(metrics_, backend_, "login", std::move(done)));
}

void MeteredMailStore::list_folders(
    const Credentials& credentials, std::function<void(Result<std::vector<MailFolderInfo>>)> done) {
  inner_->list_folders(credentials, timed<Result<std::vector<MailFolderInfo>>>(
                                        metrics_, backend_, "list_folders", std::move(done)));
}

// The MailStore operations of the sync engine, each metered under its own name.
#define EASGATE_METER(T, op) timed<T>(metrics_, backend_, op, std::move(done))
void MeteredMailStore::folder_state(const Credentials& c, const std::string& mailbox,
                                    MailCallback<MailFolderState> done) {
  inner_->folder_state(c, mailbox, EASGATE_METER(Result<MailFolderState>, "folder_state"));
}
void MeteredMailStore::changes_since(const Credentials& c, const MailboxRef& folder, uint64_t modseq,
                                     const std::vector<MessageChange>& snapshot,
                                     MailCallback<MessageChanges> done) {
  inner_->changes_since(c, folder, modseq, snapshot,
                        EASGATE_METER(Result<MessageChanges>, "changes_since"));
}
void MeteredMailStore::list_messages(const Credentials& c, const MailboxRef& folder,
                                     const MessageListFilter& filter,
                                     MailCallback<MessageListing> done) {
  inner_->list_messages(c, folder, filter, EASGATE_METER(Result<MessageListing>, "list_messages"));
}
void MeteredMailStore::fetch_summaries(const Credentials& c, const MailboxRef& folder,
                                       const std::vector<uint32_t>& uids, bool with_header,
                                       MailCallback<std::vector<MessageSummary>> done) {
  inner_->fetch_summaries(c, folder, uids, with_header,
                          EASGATE_METER(Result<std::vector<MessageSummary>>, "fetch_summaries"));
}
void MeteredMailStore::fetch_messages(const Credentials& c, const MailboxRef& folder,
                                      const std::vector<uint32_t>& uids, uint64_t max_bytes,
                                      MailCallback<std::vector<FetchedMessage>> done) {
  inner_->fetch_messages(c, folder, uids, max_bytes,
                         EASGATE_METER(Result<std::vector<FetchedMessage>>, "fetch_messages"));
}
void MeteredMailStore::fetch_message(const Credentials& c, const MailboxRef& folder, uint32_t uid,
                                     const MessagePart& part, MailCallback<std::string> done) {
  inner_->fetch_message(c, folder, uid, part, EASGATE_METER(Result<std::string>, "fetch_message"));
}
void MeteredMailStore::store_flags(const Credentials& c, const MailboxRef& folder,
                                   const std::vector<uint32_t>& uids, const FlagUpdate& update,
                                   MailCallback<FlagUpdateResult> done) {
  inner_->store_flags(c, folder, uids, update, EASGATE_METER(Result<FlagUpdateResult>, "store_flags"));
}
void MeteredMailStore::move_messages(const Credentials& c, const MailboxRef& from,
                                     const std::vector<uint32_t>& uids, const std::string& to,
                                     MailCallback<MessageMoveResult> done) {
  inner_->move_messages(c, from, uids, to, EASGATE_METER(Result<MessageMoveResult>, "move_messages"));
}
void MeteredMailStore::append_message(const Credentials& c, const std::string& mailbox,
                                      const MessageFlags& flags, int64_t internal_date,
                                      std::string message, MailCallback<AppendResult> done) {
  inner_->append_message(c, mailbox, flags, internal_date, std::move(message),
                         EASGATE_METER(Result<AppendResult>, "append_message"));
}
void MeteredMailStore::expunge_messages(const Credentials& c, const MailboxRef& folder,
                                        const std::vector<uint32_t>& uids,
                                        std::function<void(Status)> done) {
  inner_->expunge_messages(c, folder, uids, EASGATE_METER(Status, "expunge_messages"));
}
void MeteredMailStore::create_folder(const Credentials& c, const std::string& parent,
                                     const std::string& display_name,
                                     MailCallback<std::string> done) {
  inner_->create_folder(c, parent, display_name, EASGATE_METER(Result<std::string>, "create_folder"));
}
void MeteredMailStore::delete_folder(const Credentials& c, const std::string& mailbox,
                                     std::function<void(Status)> done) {
  inner_->delete_folder(c, mailbox, EASGATE_METER(Status, "delete_folder"));
}
void MeteredMailStore::rename_folder(const Credentials& c, const std::string& mailbox,
                                     const std::string& new_parent, const std::string& display_name,
                                     MailCallback<std::string> done) {
  inner_->rename_folder(c, mailbox, new_parent, display_name,
                        EASGATE_METER(Result<std::string>, "rename_folder"));
}
void MeteredMailStore::search(const Credentials& c, const MailSearchQuery& query,
                              MailCallback<std::vector<MailSearchHit>> done) {
  inner_->search(c, query, EASGATE_METER(Result<std::vector<MailSearchHit>>, "search"));
}
#undef EASGATE_METER

void MeteredCollectionStore::list_collections(
    const Credentials& credentials, std::function<void(Result<std::vector<DavCollection>>)> done) {
  inner_->list_collections(credentials, timed<Result<std::vector<DavCollection>>>(
                                            metrics_, backend_, "list_collections", std::move(done)));
}

// The item and collection operations of the DAV sync engine, each metered by name.
#define EASGATE_METER(T, op) timed<T>(metrics_, backend_, op, std::move(done))
void MeteredCollectionStore::sync_changes(const Credentials& c, const std::string& collection_href,
                                          const std::string& sync_token,
                                          const std::vector<DavItemRef>& snapshot,
                                          DavCallback<DavChanges> done) {
  inner_->sync_changes(c, collection_href, sync_token, snapshot,
                       EASGATE_METER(Result<DavChanges>, "sync_changes"));
}
void MeteredCollectionStore::fetch_items(const Credentials& c, const std::string& collection_href,
                                         CollectionKind kind, const std::vector<std::string>& hrefs,
                                         DavCallback<std::vector<DavItem>> done) {
  inner_->fetch_items(c, collection_href, kind, hrefs,
                      EASGATE_METER(Result<std::vector<DavItem>>, "fetch_items"));
}
void MeteredCollectionStore::put_item(const Credentials& c, const std::string& collection_href,
                                      DavPut put, DavCallback<DavItemRef> done) {
  inner_->put_item(c, collection_href, std::move(put), EASGATE_METER(Result<DavItemRef>, "put_item"));
}
void MeteredCollectionStore::delete_item(const Credentials& c, const std::string& href,
                                         const std::string& if_match,
                                         std::function<void(Status)> done) {
  inner_->delete_item(c, href, if_match, EASGATE_METER(Status, "delete_item"));
}
void MeteredCollectionStore::create_collection(const Credentials& c, CollectionKind kind,
                                               const std::string& display_name,
                                               DavCallback<DavCollection> done) {
  inner_->create_collection(c, kind, display_name,
                            EASGATE_METER(Result<DavCollection>, "create_collection"));
}
void MeteredCollectionStore::delete_collection(const Credentials& c, const std::string& href,
                                               std::function<void(Status)> done) {
  inner_->delete_collection(c, href, EASGATE_METER(Status, "delete_collection"));
}
void MeteredCollectionStore::update_collection(const Credentials& c, const std::string& href,
                                               const std::string& display_name,
                                               std::function<void(Status)> done) {
  inner_->update_collection(c, href, display_name, EASGATE_METER(Status, "update_collection"));
}
void MeteredCollectionStore::freebusy(const Credentials& c, const std::string& user,
                                      std::chrono::sys_seconds start, std::chrono::sys_seconds end,
                                      DavCallback<std::vector<BusyInterval>> done) {
  inner_->freebusy(c, user, start, end, EASGATE_METER(Result<std::vector<BusyInterval>>, "freebusy"));
}
void MeteredCollectionStore::query_items(const Credentials& c, const std::string& collection_href,
                                         CollectionKind kind, const DavTextQuery& query,
                                         DavCallback<std::vector<DavItem>> done) {
  inner_->query_items(c, collection_href, kind, query,
                      EASGATE_METER(Result<std::vector<DavItem>>, "query_items"));
}
#undef EASGATE_METER

void MeteredMailSubmitter::submit(const Credentials& credentials, OutgoingMessage message,
                                  std::function<void(Status)> done) {
  inner_->submit(credentials, std::move(message),
                 timed<Status>(metrics_, backend_, "submit", std::move(done)));
}

}  // namespace easgate
