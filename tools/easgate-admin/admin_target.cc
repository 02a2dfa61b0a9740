#include "tools/easgate-admin/admin_target.h"

#include "gateway/config/gateway_config.h"

namespace easgate {

Result<AdminTarget> admin_target_from_config(const GatewayConfig& config) {
  for (const ListenerSettings& l : config.server.listeners) {
    if (l.role != ListenerRole::kAdmin) continue;
    std::string host = l.address;
    if (host == "0.0.0.0") host = "127.0.0.1";  // bound everywhere: loopback reaches it
    if (host == "::") host = "::1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";  // RFC 3986 IP-literal
    AdminTarget target;
    target.base_url = std::string(l.tls ? "https://" : "http://") + host + ":" +
                      std::to_string(l.port);
    if (l.tls) target.ca_file = l.tls->cert_file;
    target.token = config.admin.token;
    if (target.token.empty()) {
      return Status::invalid_argument(config.source_path +
                                      ": admin.token is not set; the admin API is disabled");
    }
    return target;
  }
  return Status::invalid_argument(config.source_path + ": no listener has role admin");
}

}  // namespace easgate
