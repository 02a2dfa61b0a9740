#include "gateway/core/log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <set>

namespace easgate {
namespace {

std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_fd{2};

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void append_timestamp(std::string* out) {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  char buf[96];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           static_cast<int>(tv.tv_usec / 1000));
  out->append(buf);
}

}  // namespace

bool parse_log_level(std::string_view text, LogLevel* out) {
  if (text == "debug") *out = LogLevel::kDebug;
  else if (text == "info") *out = LogLevel::kInfo;
  else if (text == "warn" || text == "warning") *out = LogLevel::kWarn;
  else if (text == "error") *out = LogLevel::kError;
  else return false;
  return true;
}

bool log_configure(LogLevel min_level, const std::string& path) {
  g_min_level = static_cast<int>(min_level);
  if (path.empty()) {
    g_fd = 2;
    return true;
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return false;
  int old = g_fd.exchange(fd);
  if (old > 2) close(old);
  return true;
}

bool log_enabled(LogLevel level) { return static_cast<int>(level) >= g_min_level.load(); }

std::string logfmt_value(std::string_view value) {
  bool needs_quotes = value.empty();
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) return std::string(value);
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

LogLine::LogLine(LogLevel level, std::string_view component) : enabled_(log_enabled(level)) {
  if (!enabled_) return;
  line_.reserve(256);
  line_ += "ts=";
  append_timestamp(&line_);
  line_ += " level=";
  line_ += level_name(level);
  line_ += " component=";
  line_ += logfmt_value(component);
}

LogLine::~LogLine() {
  if (!enabled_) return;
  line_ += '\n';
  ssize_t n = write(g_fd.load(), line_.data(), line_.size());
  (void)n;  // nowhere to report a failed log write
}

LogLine& LogLine::msg(std::string_view text) { return kv("msg", text); }

LogLine& LogLine::kv(std::string_view key, std::string_view value) {
  if (!enabled_) return *this;
  line_ += ' ';
  line_ += key;
  line_ += '=';
  line_ += logfmt_value(value);
  return *this;
}

LogLine& LogLine::kv(std::string_view key, int64_t value) {
  if (!enabled_) return *this;
  return kv(key, std::string_view(std::to_string(value)));
}

LogLine& LogLine::kv(std::string_view key, uint64_t value) {
  if (!enabled_) return *this;
  return kv(key, std::string_view(std::to_string(value)));
}

LogLine& LogLine::kv(std::string_view key, double value) {
  if (!enabled_) return *this;
  char buf[32];
  snprintf(buf, sizeof buf, "%.6g", value);
  return kv(key, std::string_view(buf));
}

bool first_time_for_cause(std::string_view cause) {
  static std::mutex mu;
  static std::set<std::string, std::less<>> seen;
  std::lock_guard<std::mutex> lock(mu);
  return seen.emplace(cause).second;
}

}  // namespace easgate
