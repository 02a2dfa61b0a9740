#include "gateway/core/status.h"

namespace easgate {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kOk: return "ok";
    case ErrorKind::kMalformed: return "malformed";
    case ErrorKind::kInvalidArgument: return "invalid_argument";
    case ErrorKind::kAuthFailed: return "auth_failed";
    case ErrorKind::kForbidden: return "forbidden";
    case ErrorKind::kNotFound: return "not_found";
    case ErrorKind::kConflict: return "conflict";
    case ErrorKind::kTooLarge: return "too_large";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kBackendUnavailable: return "backend_unavailable";
    case ErrorKind::kBackendError: return "backend_error";
    case ErrorKind::kUnsupported: return "unsupported";
    case ErrorKind::kInternal: return "internal";
  }
  return "unknown";
}

int default_http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kOk: return 200;
    case ErrorKind::kMalformed:
    case ErrorKind::kInvalidArgument:
    case ErrorKind::kUnsupported: return 400;
    case ErrorKind::kAuthFailed: return 401;
    case ErrorKind::kForbidden: return 403;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kConflict: return 409;
    case ErrorKind::kTooLarge: return 413;
    case ErrorKind::kTimeout:
    case ErrorKind::kBackendUnavailable: return 503;
    case ErrorKind::kBackendError:
    case ErrorKind::kInternal: return 500;
  }
  return 500;
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string s = error_kind_name(kind_);
  if (!message_.empty()) s += ": " + message_;
  return s;
}

}  // namespace easgate
