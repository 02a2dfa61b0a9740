#include "gateway/config/gateway_config.h"

namespace easgate {

const char* listener_role_name(ListenerRole role) {
  switch (role) {
    case ListenerRole::kEas: return "eas";
    case ListenerRole::kAdmin: return "admin";
  }
  return "unknown";
}

const char* backend_tls_name(BackendTls tls) {
  switch (tls) {
    case BackendTls::kNone: return "none";
    case BackendTls::kStartTls: return "starttls";
    case BackendTls::kImplicit: return "implicit";
  }
  return "unknown";
}

}  // namespace easgate
