#pragma once
// Decorators that time every backend call at the interface the handlers use and count it
// by backend, operation and result, so each adapter stays free of metrics code and a new
// backend folder is measured without an edit.

#include <memory>
#include <string>

#include "backends/api/authenticator.h"
#include "backends/api/collection_store.h"
#include "backends/api/mail_store.h"
#include "backends/api/mail_submitter.h"

namespace easgate {

class Metrics;

class MeteredAuthenticator final : public Authenticator {
 public:
  MeteredAuthenticator(std::shared_ptr<Authenticator> inner, Metrics& metrics, std::string backend)
      : inner_(std::move(inner)), metrics_(metrics), backend_(std::move(backend)) {}
  void verify(const Credentials& credentials, std::function<void(Status)> done) override;

 private:
  std::shared_ptr<Authenticator> inner_;
  Metrics& metrics_;
  std::string backend_;
};

class MeteredMailStore final : public MailStore {
 public:
  MeteredMailStore(std::unique_ptr<MailStore> inner, Metrics& metrics, std::string backend)
      : inner_(std::move(inner)), metrics_(metrics), backend_(std::move(backend)) {}
  void list_folders(const Credentials& credentials,
                    std::function<void(Result<std::vector<MailFolderInfo>>)> done) override;
  void folder_state(const Credentials& c, const std::string& mailbox,
                    MailCallback<MailFolderState> done) override;
  void changes_since(const Credentials& c, const MailboxRef& folder, uint64_t modseq,
                     const std::vector<MessageChange>& snapshot,
                     MailCallback<MessageChanges> done) override;
  void list_messages(const Credentials& c, const MailboxRef& folder,
                     const MessageListFilter& filter, MailCallback<MessageListing> done) override;
  void fetch_summaries(const Credentials& c, const MailboxRef& folder,
                       const std::vector<uint32_t>& uids, bool with_header,
                       MailCallback<std::vector<MessageSummary>> done) override;
  void fetch_message(const Credentials& c, const MailboxRef& folder, uint32_t uid,
                     const MessagePart& part, MailCallback<std::string> done) override;
  void fetch_messages(const Credentials& c, const MailboxRef& folder,
                      const std::vector<uint32_t>& uids, uint64_t max_bytes,
                      MailCallback<std::vector<FetchedMessage>> done) override;
  void store_flags(const Credentials& c, const MailboxRef& folder,
                   const std::vector<uint32_t>& uids, const FlagUpdate& update,
                   MailCallback<FlagUpdateResult> done) override;
  void move_messages(const Credentials& c, const MailboxRef& from,
                     const std::vector<uint32_t>& uids, const std::string& to,
                     MailCallback<MessageMoveResult> done) override;
  void append_message(const Credentials& c, const std::string& mailbox, const MessageFlags& flags,
                      int64_t internal_date, std::string message,
                      MailCallback<AppendResult> done) override;
  void expunge_messages(const Credentials& c, const MailboxRef& folder,
                        const std::vector<uint32_t>& uids, std::function<void(Status)> done) override;
  void create_folder(const Credentials& c, const std::string& parent,
                     const std::string& display_name, MailCallback<std::string> done) override;
  void delete_folder(const Credentials& c, const std::string& mailbox,
                     std::function<void(Status)> done) override;
  void rename_folder(const Credentials& c, const std::string& mailbox,
                     const std::string& new_parent, const std::string& display_name,
                     MailCallback<std::string> done) override;
  void search(const Credentials& c, const MailSearchQuery& query,
              MailCallback<std::vector<MailSearchHit>> done) override;

 private:
  std::unique_ptr<MailStore> inner_;
  Metrics& metrics_;
  std::string backend_;
};

class MeteredCollectionStore final : public CollectionStore {
 public:
  MeteredCollectionStore(std::unique_ptr<CollectionStore> inner, Metrics& metrics,
                         std::string backend)
      : inner_(std::move(inner)), metrics_(metrics), backend_(std::move(backend)) {}
  void list_collections(const Credentials& credentials,
                        std::function<void(Result<std::vector<DavCollection>>)> done) override;
  void sync_changes(const Credentials& c, const std::string& collection_href,
                    const std::string& sync_token, const std::vector<DavItemRef>& snapshot,
                    DavCallback<DavChanges> done) override;
  void fetch_items(const Credentials& c, const std::string& collection_href, CollectionKind kind,
                   const std::vector<std::string>& hrefs,
                   DavCallback<std::vector<DavItem>> done) override;
  void put_item(const Credentials& c, const std::string& collection_href, DavPut put,
                DavCallback<DavItemRef> done) override;
  void delete_item(const Credentials& c, const std::string& href, const std::string& if_match,
                   std::function<void(Status)> done) override;
  void create_collection(const Credentials& c, CollectionKind kind,
                         const std::string& display_name,
                         DavCallback<DavCollection> done) override;
  void delete_collection(const Credentials& c, const std::string& href,
                         std::function<void(Status)> done) override;
  void update_collection(const Credentials& c, const std::string& href,
                         const std::string& display_name,
                         std::function<void(Status)> done) override;
  void freebusy(const Credentials& c, const std::string& user, std::chrono::sys_seconds start,
                std::chrono::sys_seconds end,
                DavCallback<std::vector<BusyInterval>> done) override;
  void query_items(const Credentials& c, const std::string& collection_href, CollectionKind kind,
                   const DavTextQuery& query, DavCallback<std::vector<DavItem>> done) override;

 private:
  std::unique_ptr<CollectionStore> inner_;
  Metrics& metrics_;
  std::string backend_;
};

class MeteredMailSubmitter final : public MailSubmitter {
 public:
  MeteredMailSubmitter(std::unique_ptr<MailSubmitter> inner, Metrics& metrics, std::string backend)
      : inner_(std::move(inner)), metrics_(metrics), backend_(std::move(backend)) {}
  void submit(const Credentials& credentials, OutgoingMessage message,
              std::function<void(Status)> done) override;

 private:
  std::unique_ptr<MailSubmitter> inner_;
  Metrics& metrics_;
  std::string backend_;
};

}  // namespace easgate
