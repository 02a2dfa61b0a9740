#pragma once
// Decorators that time every backend call at the interface the handlers use and count it
// by backend, operation and result, so each adapter stays free of metrics code and a new
// backend folder is measured without an edit.

#include <memory>
#include <string>

#include "backends/api/authenticator.h"
#include "backends/api/collection_store.h"
#include "backends/api/mail_store.h"

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

 private:
  std::unique_ptr<CollectionStore> inner_;
  Metrics& metrics_;
  std::string backend_;
};

}  // namespace easgate
