#pragma once
// Where easgate-admin connects: from --url/--token, or from the gateway's own YAML
// (--config FILE), so an admin on the gateway host needs no other setting.

#include <string>

#include "gateway/core/status.h"

namespace easgate {

struct GatewayConfig;

struct AdminTarget {
  std::string base_url;  // "http://127.0.0.1:19464" (no trailing slash)
  std::string token;     // bearer token
  std::string ca_file;   // https only: the listener's own certificate, trusted as CA
};

// The first listener with role admin: its address (a wildcard becomes loopback) and port,
// https when it has TLS; the token from admin.token / admin.token_file. kInvalidArgument
// naming the config file when there is no admin listener or no token.
Result<AdminTarget> admin_target_from_config(const GatewayConfig& config);

}  // namespace easgate
