#pragma once
// The stored form of what a device may omit later: the last accepted Ping parameters
// (MS-ASCMD 2.2.3.88.1) and the last full Sync request (2.2.1.21.1). Both are kept as the
// WBXML the device would have sent, so reading them back goes through the same decoder and
// Ping parser as a request does (fuzzed there); a corrupt row reads as "nothing
// remembered" and the device gets the status that asks it to send everything again.

#include <optional>
#include <string>
#include <string_view>

#include "gateway/eas/wbxml/wbxml_element.h"
#include "gateway/push/ping_request.h"

namespace easgate {

// A Ping request document carrying `ping`'s HeartbeatInterval and Folders, encoded.
std::string encode_remembered_ping(const RememberedPing& ping);
// nullopt unless `bytes` is a Ping request with both a HeartbeatInterval and Folders.
std::optional<RememberedPing> decode_remembered_ping(std::string_view bytes);

// nullopt unless `bytes` is a well-formed WBXML AirSync Sync document.
std::optional<WbxmlDocument> decode_remembered_sync(std::string_view bytes);

}  // namespace easgate
