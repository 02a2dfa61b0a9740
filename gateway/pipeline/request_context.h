#pragma once
// One EAS request from arrival to its single response. Owned by a shared_ptr that every
// async step captures, so it lives exactly as long as some step still needs it.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "backends/api/credentials.h"
#include "gateway/core/status.h"
#include "gateway/eas/eas_request.h"
#include "gateway/eas/wbxml/wbxml_element.h"
#include "gateway/http/http_message.h"
#include "gateway/pipeline/worker_services.h"
#include "gateway/store/state_store.h"

namespace easgate {

class RequestContext {
 public:
  RequestContext(WorkerServices& services, HttpRequest http,
                 std::shared_ptr<HttpResponder> responder);
  ~RequestContext();
  RequestContext(const RequestContext&) = delete;
  RequestContext& operator=(const RequestContext&) = delete;

  WorkerServices& services;                 // the worker this request runs on
  HttpRequest http;                         // as received (body freed once decoded)
  std::optional<EasRequest> eas;            // set once the query parsed
  Credentials credentials;                  // set by the authenticate check
  std::optional<WbxmlDocument> body;        // decoded WBXML body, when the command has one
  bool quarantined = false;  // set by the device access check: only the notice is served
  // The governance facts of `governance_key` (user, device), read with one SELECT by the
  // first check that needs them and kept current by the checks that write (device seen,
  // access decision), so the chain reads the store once, not once per check.
  std::optional<RequestGovernanceRow> governance;
  DeviceKey governance_key;  // whose facts `governance` holds

  // Sends a WBXML document with HTTP 200; `eas_status` is the command's Status, for logs
  // and metrics.
  void reply_wbxml(const WbxmlDocument& document, int eas_status);
  // Sends an error: the HTTP status (and headers such as WWW-Authenticate) that
  // `status` maps to.
  void reply_error(const Status& status);
  // Sends any response. Exactly one reply reaches the client; later ones are dropped.
  void reply(HttpResponse response, int eas_status = 0);

  // A held request (Ping) learns here that the client went away before the answer.
  void set_on_abort(std::function<void()> on_abort) { responder_->set_on_abort(std::move(on_abort)); }
  bool replied() const { return replied_; }
  // False once the client has gone away; long steps check it after each resume.
  bool client_alive() const { return responder_->alive(); }
  // Name for logs and metric labels: the EAS command, "OPTIONS", or "unknown".
  std::string command_label() const;

 private:
  void log_and_count(int http_status, int eas_status, size_t bytes_out, const Status* error);

  std::shared_ptr<HttpResponder> responder_;
  std::chrono::steady_clock::time_point started_;
  size_t bytes_in_;
  bool replied_ = false;
};

}  // namespace easgate
