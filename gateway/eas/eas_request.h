#pragma once
// MS-ASHTTP request parsing: the plain-text query (2.2.1.1.1.2), the base64-encoded query
// (2.2.1.1.1.1) and the EAS request headers (2.2.1.1.2), turned into one EasRequest.

#include <cstdint>
#include <optional>
#include <string>

#include "gateway/core/status.h"
#include "gateway/eas/eas_command.h"
#include "gateway/eas/protocol_version.h"
#include "gateway/http/http_message.h"

namespace easgate {

struct EasRequest {
  const EasCommandInfo* command = nullptr;  // never null after a successful parse
  ProtocolVersion version;                  // from the query byte or MS-ASProtocolVersion
  std::string device_id;                    // DeviceId: alphanumeric, <= 32 chars
  std::string device_type;                  // DeviceType, e.g. "iPhone"
  std::string query_user;                   // User= (for logs only; auth uses Basic)
  std::optional<uint32_t> policy_key;       // X-MS-PolicyKey or the query's policy key
  uint16_t locale = 0;                      // base64 query locale (LCID); 0 when absent
  std::string user_agent;                   // User-Agent header
  bool base64_query = false;                // which query form the client used

  // Command parameters (MS-ASHTTP 2.2.1.1.1.2.5 / 2.2.1.1.1.1.3).
  std::string attachment_name;  // GetAttachment
  std::string collection_id;    // SmartForward / SmartReply: folder of the source item
  std::string item_id;          // SmartForward / SmartReply: source item
  std::string long_id;          // SmartForward / SmartReply: search result
  std::string occurrence;       // SmartForward / SmartReply: recurrence instance
  bool save_in_sent = false;    // SaveInSent=T or Options bit 0x01
  bool accept_multipart = false;  // MS-ASAcceptMultiPart: T or Options bit 0x02
};

// Parses `request` (already known to target the ActiveSync path). Failures are
// Status::malformed / invalid_argument with HTTP 400 and a message naming the field.
Result<EasRequest> parse_eas_request(const HttpRequest& request);

// Percent-decodes a query component ('+' is a space). nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace easgate
