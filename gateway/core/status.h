#pragma once
// Errors are values. A Status knows what went wrong, the HTTP status a client should see
// and the EAS status code it maps to; one place (the EAS responder) turns it into bytes.

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace easgate {

// Closed set of failure kinds; each maps to a default HTTP status (see http_status()).
enum class ErrorKind : uint8_t {
  kOk,                  // no error
  kMalformed,           // request or data could not be parsed (HTTP 400)
  kInvalidArgument,     // well-formed but not acceptable (HTTP 400)
  kAuthFailed,          // credentials rejected (HTTP 401)
  kForbidden,           // authenticated but not allowed (HTTP 403)
  kNotFound,            // the named object does not exist (HTTP 404 / EAS status)
  kConflict,            // state changed underneath the request (HTTP 409 / EAS status)
  kTooLarge,            // a size limit was exceeded (HTTP 413)
  kTimeout,             // a deadline passed (HTTP 503 towards clients)
  kBackendUnavailable,  // a backend could not be reached (HTTP 503)
  kBackendError,        // a backend answered with an error (HTTP 500 / EAS server error)
  kUnsupported,         // feature or version not supported (HTTP 501 / 400)
  kInternal,            // a bug or an unexpected library failure (HTTP 500)
};

const char* error_kind_name(ErrorKind kind);
int default_http_status(ErrorKind kind);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status ok() { return Status(); }
  static Status malformed(std::string m) { return {ErrorKind::kMalformed, std::move(m)}; }
  static Status invalid_argument(std::string m) {
    return {ErrorKind::kInvalidArgument, std::move(m)};
  }
  static Status auth_failed(std::string m) { return {ErrorKind::kAuthFailed, std::move(m)}; }
  static Status forbidden(std::string m) { return {ErrorKind::kForbidden, std::move(m)}; }
  static Status not_found(std::string m) { return {ErrorKind::kNotFound, std::move(m)}; }
  static Status conflict(std::string m) { return {ErrorKind::kConflict, std::move(m)}; }
  static Status too_large(std::string m) { return {ErrorKind::kTooLarge, std::move(m)}; }
  static Status timeout(std::string m) { return {ErrorKind::kTimeout, std::move(m)}; }
  static Status backend_unavailable(std::string m) {
    return {ErrorKind::kBackendUnavailable, std::move(m)};
  }
  static Status backend_error(std::string m) { return {ErrorKind::kBackendError, std::move(m)}; }
  static Status unsupported(std::string m) { return {ErrorKind::kUnsupported, std::move(m)}; }
  static Status internal(std::string m) { return {ErrorKind::kInternal, std::move(m)}; }

  bool is_ok() const { return kind_ == ErrorKind::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }

  // HTTP status a client sees for this error unless overridden.
  int http_status() const { return http_status_ ? http_status_ : default_http_status(kind_); }
  // EAS command status (MS-ASCMD per-command Status values); 0 means "none chosen".
  int eas_status() const { return eas_status_; }

  Status&& with_eas_status(int s) && { eas_status_ = s; return std::move(*this); }
  Status&& with_http_status(int s) && { http_status_ = s; return std::move(*this); }
  // "context: message", for errors passed up a layer.
  Status&& prefixed(const std::string& context) && {
    message_ = context + ": " + message_;
    return std::move(*this);
  }

  std::string to_string() const;

 private:
  Status(ErrorKind k, std::string m) : kind_(k), message_(std::move(m)) {}

  ErrorKind kind_ = ErrorKind::kOk;
  std::string message_;
  int http_status_ = 0;  // 0: default_http_status(kind_)
  int eas_status_ = 0;   // 0: not set
};

// Result<T>: a T or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                 // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}          // NOLINT: implicit by design

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &std::get<T>(v_); }
  const T* operator->() const { return &std::get<T>(v_); }
  T& operator*() & { return std::get<T>(v_); }
  const T& operator*() const& { return std::get<T>(v_); }

  // The error; Status::ok() when a value is held.
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace easgate
