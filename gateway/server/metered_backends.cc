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

void MeteredCollectionStore::list_collections(
    const Credentials& credentials, std::function<void(Result<std::vector<DavCollection>>)> done) {
  inner_->list_collections(credentials, timed<Result<std::vector<DavCollection>>>(
                                            metrics_, backend_, "list_collections", std::move(done)));
}

}  // namespace easgate
