#include "gateway/admin/admin_api.h"

#include <time.h>

#include <cstdio>

#include "gateway/admin/admin_api_internal.h"
#include "gateway/admin/admin_metrics.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/store/store_enums.h"

namespace easgate {

using admin_internal::Call;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool split_query(std::string_view query, std::map<std::string, std::string>* out) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key, value;
    std::string raw_value(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    for (char& c : raw_value) {
      if (c == '+') c = ' ';  // form encoding, as curl --data-urlencode -G sends it
    }
    if (!percent_decode(pair.substr(0, eq), &key) || !percent_decode(raw_value, &value)) {
      return false;
    }
    (*out)[key] = value;
  }
  return true;
}

}  // namespace

bool percent_decode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
    *out += c;
  }
  return true;
}

std::string percent_encode(std::string_view in) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : in) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~' || u == '@') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

AdminResponse AdminApi::handle(const AdminRequest& request) {
  using namespace admin_internal;
  Call call{store_, clock_, metrics_, governance_, request, {}, {}, OutputFormat::kJson};
  std::string_view path = request.path;
  constexpr std::string_view kPrefix = "/api";
  if (path.substr(0, kPrefix.size()) != kPrefix) return error_response(404, "not an API path");
  path.remove_prefix(kPrefix.size());
  while (!path.empty()) {
    if (path.front() != '/') return error_response(404, "unknown API path");
    path.remove_prefix(1);
    const size_t slash = path.find('/');
    std::string segment;
    if (!percent_decode(path.substr(0, slash), &segment)) {
      return error_response(400, "malformed percent-encoding in the path");
    }
    if (!segment.empty()) call.segments.push_back(std::move(segment));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  if (!split_query(request.query, &call.query)) {
    return error_response(400, "malformed percent-encoding in the query");
  }
  if (auto f = call.query.find("format"); f != call.query.end()) {
    if (!parse_output_format(f->second, &call.format)) {
      return error_response(400, "format \"" + f->second + "\" is not one of table, csv, json");
    }
  }
  if (call.segments.empty()) return error_response(404, "unknown API path /api");
  const std::string& area = call.segments[0];
  if (area == "devices") return handle_devices(call);
  if (area == "users") return handle_users(call);
  if (area == "reports") return handle_reports(call);
  if (area == "audit") return handle_audit(call);
  if (area == "rules" || area == "policies") return handle_governance(call, governance_);
  if (area == "exemptions") return handle_exemptions(call);
  return error_response(404, "unknown API path /api/" + area +
                                 " (expected devices, users, reports, audit, rules, policies, "
                                 "exemptions)");
}

namespace admin_internal {

AdminResponse json_response(int status, const JsonValue& value) {
  return AdminResponse{status, "application/json", value.dump_pretty()};
}

AdminResponse error_response(int status, const std::string& message) {
  return json_response(status, JsonValue::object().set("error", message));
}

AdminResponse status_response(const Status& status) {
  int code = status.http_status();
  if (status.kind() == ErrorKind::kTimeout) code = 503;  // store locked: retry later
  return error_response(code, status.message());
}

AdminResponse listing_response(const Call& call, const std::vector<ReportColumn>& columns,
                               const JsonValue& rows) {
  return AdminResponse{200, output_format_content_type(call.format),
                       render_listing(columns, rows, call.format)};
}

AdminResponse record_response(const Call& call, const JsonValue& record) {
  return AdminResponse{200, output_format_content_type(call.format),
                       render_record(record, call.format)};
}

Result<JsonValue> parse_body(const Call& call, std::initializer_list<std::string_view> allowed) {
  const std::string& body = call.request.body;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return JsonValue::object();
  JsonParseLimits limits;
  limits.max_bytes = 64 * 1024;
  limits.max_depth = 8;
  Result<JsonValue> parsed = parse_json(body, limits);
  if (!parsed.is_ok()) return Status::malformed("request body: " + parsed.status().message());
  if (!parsed->is_object()) return Status::malformed("request body: expected a JSON object");
  for (const JsonValue::Member& m : parsed->as_object()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == m.first;
    if (!known) {
      std::string expected;
      for (std::string_view a : allowed) {
        expected += expected.empty() ? "" : ", ";
        expected += a;
      }
      return Status::invalid_argument("request body: unknown field \"" + m.first +
                                      "\" (expected " + (expected.empty() ? "none" : expected) +
                                      ")");
    }
  }
  return parsed;
}

Result<bool> query_flag(const Call& call, const std::string& name) {
  auto it = call.query.find(name);
  if (it == call.query.end()) return false;
  const std::string& v = it->second;
  if (v == "" || v == "1" || v == "true" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "no") return false;
  return Status::invalid_argument(name + "=\"" + v + "\" is not a boolean (expected 1 or 0)");
}

std::string format_time(StoreTime t) {
  if (t == StoreTime()) return {};
  const time_t secs = std::chrono::system_clock::to_time_t(t);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<StoreTime> parse_time(std::string_view text, StoreTime now) {
  const Status bad = Status::invalid_argument(
      "time \"" + std::string(text) +
      "\" is not YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or a relative age like 90m, 24h, 7d");
  if (text.empty()) return bad;
  const char unit = text.back();
  if (unit == 'm' || unit == 'h' || unit == 'd' || unit == 's') {
    const std::string digits(text.substr(0, text.size() - 1));
    if (digits.empty() || digits.size() > 6 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      return bad;
    }
    const long n = std::stol(digits);
    const long scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400;
    return now - std::chrono::seconds(n * scale);
  }
  struct tm tm {};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail = 0;
  const std::string copy(text);
  if (text.size() == 10 && std::sscanf(copy.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3) {
  } else if (text.size() == 20 && std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo,
                                              &d, &h, &mi, &s, &tail) == 7 &&
             tail == 'Z') {
  } else {
    return bad;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970) return bad;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

JsonValue device_json(const DeviceRecord& d) {
  JsonValue commands = JsonValue::object();
  for (const auto& [name, count] : d.command_counts) commands.set(name, count);
  JsonValue wipe = JsonValue::object();
  wipe.set("state", wipe_state_name(d.wipe.state));
  if (d.wipe.state != WipeState::kNone) {
    wipe.set("kind", wipe_kind_name(d.wipe.kind))
        .set("requested_at", format_time(d.wipe.requested_at))
        .set("requested_by", d.wipe.requested_by)
        .set("sent_at", format_time(d.wipe.sent_at))
        .set("acknowledged_at", format_time(d.wipe.acknowledged_at));
  }
  // Flat fields first (the table and CSV columns), nested detail after. The recovery
  // password is never shown: it is the device owner's secret (MS-ASCMD 2.2.3.46).
  JsonValue v = JsonValue::object();
  v.set("user", d.user_id)
      .set("device_id", d.device_id)
      .set("device_type", d.device_type)
      .set("model", d.info.model)
      .set("friendly_name", d.info.friendly_name)
      .set("os", d.info.os)
      .set("user_agent", d.user_agent)
      .set("protocol_version", d.protocol_version)
      .set("access_state", device_access_state_name(d.access_state))
      .set("access_reason", d.access_reason)
      .set("access_decided_by", d.access_by_admin ? "admin" : "rules")
      .set("policy_name", d.policy_name)
      .set("policy_status", policy_status_name(d.policy_status))
      .set("policy_key", d.policy_key)
      .set("wipe_state", wipe_state_name(d.wipe.state))
      .set("first_seen", format_time(d.first_seen))
      .set("last_seen", format_time(d.last_seen))
      .set("imei", d.info.imei)
      .set("phone_number", d.info.phone_number)
      .set("mobile_operator", d.info.mobile_operator)
      .set("os_language", d.info.os_language)
      .set("has_recovery_password", !d.recovery_password.empty())
      .set("quarantine_notified_at", format_time(d.quarantine_notified_at))
      .set("wipe", std::move(wipe))
      .set("command_counts", std::move(commands));
  return v;
}

JsonValue user_json(const UserRecord& u) {
  return JsonValue::object()
      .set("user", u.user_id)
      .set("eas_enabled", u.eas_enabled)
      .set("eas_reason", u.eas_reason)
      .set("created_at", format_time(u.created_at))
      .set("updated_at", format_time(u.updated_at));
}

std::string device_target(const std::string& user, const std::string& device) {
  return user + "/" + device;
}

Status check_id(std::string_view what, const std::string& id) {
  if (id.empty()) return Status::invalid_argument(std::string(what) + " is empty");
  if (id.size() > 256) {
    return Status::invalid_argument(std::string(what) + " is longer than 256 characters");
  }
  return Status::ok();
}

bool record_action(Call& call, std::string_view action, const std::string& target,
                   const JsonValue& details, const Status& outcome) {
  const char* result = "ok";
  switch (outcome.kind()) {
    case ErrorKind::kOk: break;
    case ErrorKind::kMalformed:
    case ErrorKind::kInvalidArgument: result = "invalid"; break;
    case ErrorKind::kNotFound: result = "not_found"; break;
    case ErrorKind::kConflict: result = "conflict"; break;
    default: result = "error"; break;
  }
  if (call.metrics) call.metrics->record(action, result);
  bool audited = true;
  if (outcome.is_ok()) {
    AuditEntry entry;
    entry.at = call.clock.wall_now();
    entry.actor = call.request.actor;
    entry.action = std::string(action);
    entry.target = target;
    entry.details = details.dump();
    Result<int64_t> appended = call.store.append_audit(entry);
    if (!appended.is_ok()) {
      audited = false;
      log_error("admin").msg("audit entry not written").kv("action", action)
          .kv("target", target).kv("error", appended.status().to_string());
    }
  }
  LogLine line(outcome.is_ok() ? LogLevel::kInfo : LogLevel::kWarn, "admin");
  line.msg(outcome.is_ok() ? "admin action" : "admin action refused").kv("action", action)
      .kv("target", target).kv("actor", call.request.actor).kv("result", result);
  if (!outcome.is_ok()) line.kv("error", outcome.message());
  return audited;
}

}  // namespace admin_internal
}  // namespace easgate
