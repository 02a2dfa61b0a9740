#pragma once
// What SendMail (MS-ASCMD 2.2.1.17), SmartReply (2.2.1.20) and SmartForward (2.2.1.19)
// share: the two request forms (raw MIME with query parameters before 14.0, MS-ASHTTP
// 2.2.1.1.1.2.5; WBXML ComposeMail from 14.0), submission with the user's credentials, the
// copy in Sent Items, the reply/forward mark on the source, and the ClientId record that
// keeps a retried message from being sent twice.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/commands/command_handler.h"
#include "gateway/core/status.h"
#include "gateway/eas/eas_request.h"
#include "gateway/http/http_message.h"

namespace easgate {

// Which of the three commands a request is.
enum class ComposeKind : uint8_t {
  kSendMail,      // a new message
  kSmartReply,    // a reply completed with the original's text
  kSmartForward,  // a forward completed with the original's text and attachments
};

// MS-ASCMD 2.2.2 common status values the compose commands answer with (14.0+).
enum ComposeStatus : int {
  kComposeSuccess = 1,                    // not sent on the wire: success is an empty body
  kComposeInvalidContent = 101,           // the body is not what the command expects
  kComposeInvalidWbxml = 102,             // the WBXML could not be decoded
  kComposeInvalidXml = 103,               // a required element is missing
  kComposeInvalidIds = 106,               // Source names nothing usable
  kComposeInvalidMime = 107,              // the MIME could not be parsed
  kComposeServerError = 110,              // unexpected server failure
  kComposeServerErrorRetryLater = 111,    // transient: the submission server is down
  kComposeRecipientUnresolved = 116,      // the submission server refused a recipient
  kComposeMessagePreviouslySent = 118,    // ClientId seen before: not sent again
  kComposeMessageHasNoRecipient = 119,    // no To/Cc/Bcc
  kComposeMailSubmissionFailed = 120,     // the submission server refused the message
  kComposeMessageReplyFailed = 121,       // reply/forward could not be composed
  kComposeItemNotFound = 150,             // the source item does not exist
};

// One compose request in either form.
struct ComposeRequest {
  ComposeKind kind = ComposeKind::kSendMail;  // which command
  bool wbxml_form = false;   // true: ComposeMail WBXML (14.0+), false: raw MIME body
  std::string client_id;     // ClientId (14.0+): the device's id for this message
  bool save_in_sent = false;  // SaveInSentItems / SaveInSent=T
  bool replace_mime = false;  // ReplaceMime: send the client's MIME as is
  std::string folder_id;     // Source FolderId / CollectionId=: folder of the source
  std::string item_id;       // Source ItemId / ItemId=: source item ServerId
  std::string long_id;       // Source LongId / LongId=: source as a Search result
  std::string instance_id;   // Source InstanceId / Occurrence=: recurrence instance
  std::string mime;          // the client's RFC 5322 message
};

// Reads the request in whichever form it came. A failed parse carries the EAS status
// (eas_status()) to answer with.
[[nodiscard]] Result<ComposeRequest> parse_compose_request(ComposeKind kind,
                                                           const EasRequest& eas,
                                                           const HttpRequest& http);

// ClientIds of messages already sent, per user and device (MS-ASCMD 2.2.3.27.1: a repeated
// ClientId gets status 118 instead of a second copy). Process-wide and bounded: the record
// covers retries of a lost response, which come within minutes.
class SentClientIds {
 public:
  static SentClientIds& instance();
  // Claims `client_id` for sending: false when it was sent already or is being sent now.
  bool claim(const std::string& device_key, const std::string& client_id);
  // The send failed: the device may retry with the same ClientId.
  void release(const std::string& device_key, const std::string& client_id);

 private:
  static constexpr size_t kMaxEntries = 100000;
  std::mutex mutex_;
  std::unordered_map<std::string, uint64_t> claimed_;  // key -> claim sequence number
  uint64_t sequence_ = 0;
};

// Runs one compose command to its single reply.
void run_compose(std::shared_ptr<RequestContext> request, ComposeKind kind);

}  // namespace easgate
