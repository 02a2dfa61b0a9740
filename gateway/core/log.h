#pragma once
// Structured logging: one logfmt line per event
//   ts=2026-11-27T15:30:00.123Z level=info component=http msg="..." key=value ...
// Thread-safe; a line is written with one write(2) so lines from workers never interleave.
// Never pass a password or an Authorization header here.

#include <cstdint>
#include <string>
#include <string_view>

namespace easgate {

enum class LogLevel : uint8_t {
  kDebug,  // per-step detail, off in production
  kInfo,   // one line per request, lifecycle events
  kWarn,   // degraded paths (fallbacks, retries, skipped items)
  kError,  // failures an admin must act on
};

// Parses "debug" | "info" | "warn" | "error"; false when unknown.
bool parse_log_level(std::string_view text, LogLevel* out);

// Sends lines to `path` (appending) or to stderr when `path` is empty. Returns false and
// keeps stderr when the file cannot be opened.
bool log_configure(LogLevel min_level, const std::string& path);
bool log_enabled(LogLevel level);

// Builder for one line: LogLine(LogLevel::kInfo, "http").msg("accepted").kv("peer", p);
// The line is written when the builder is destroyed.
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view component);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& msg(std::string_view text);
  LogLine& kv(std::string_view key, std::string_view value);
  LogLine& kv(std::string_view key, const char* value) { return kv(key, std::string_view(value)); }
  LogLine& kv(std::string_view key, const std::string& value) {
    return kv(key, std::string_view(value));
  }
  LogLine& kv(std::string_view key, int64_t value);
  LogLine& kv(std::string_view key, int value) { return kv(key, static_cast<int64_t>(value)); }
  LogLine& kv(std::string_view key, uint64_t value);
  LogLine& kv(std::string_view key, double value);

 private:
  bool enabled_;
  std::string line_;
};

inline LogLine log_debug(std::string_view component) { return {LogLevel::kDebug, component}; }
inline LogLine log_info(std::string_view component) { return {LogLevel::kInfo, component}; }
inline LogLine log_warn(std::string_view component) { return {LogLevel::kWarn, component}; }
inline LogLine log_error(std::string_view component) { return {LogLevel::kError, component}; }

// True the first time `cause` is seen in this process; lets degraded paths warn once per
// cause while their metric counts every occurrence (STYLE.md habit 9).
bool first_time_for_cause(std::string_view cause);

// Quotes a value for logfmt when it contains spaces, quotes, '=' or control characters.
std::string logfmt_value(std::string_view value);

}  // namespace easgate
