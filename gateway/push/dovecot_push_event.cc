#include "gateway/push/dovecot_push_event.h"

#include <cctype>

#include "gateway/admin/json.h"

namespace easgate {

Result<DovecotPushEvent> parse_dovecot_push_event(std::string_view body) {
  JsonParseLimits limits;
  limits.max_bytes = 64 * 1024;  // a snippet is at most a few hundred bytes
  limits.max_depth = 4;
  auto parsed = parse_json(body, limits);
  if (!parsed.is_ok()) return parsed.status();
  const JsonValue& root = parsed.value();
  if (!root.is_object()) return Status::malformed("push event: not a JSON object");
  const JsonValue* user = root.find("user");
  if (user == nullptr || !user->is_string() || user->as_string().empty()) {
    return Status::malformed("push event: no \"user\"");
  }
  if (user->as_string().size() > 320) return Status::malformed("push event: user too long");
  DovecotPushEvent out;
  out.user = user->as_string();
  if (const JsonValue* e = root.find("event"); e != nullptr && e->is_string()) {
    out.event = e->as_string();
  }
  if (const JsonValue* f = root.find("folder"); f != nullptr && f->is_string()) {
    out.folder = f->as_string();
  }
  return out;
}

std::string push_user_id(std::string_view dovecot_user, const std::string& default_domain) {
  std::string out;
  out.reserve(dovecot_user.size() + default_domain.size() + 1);
  for (char c : dovecot_user) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.find('@') == std::string::npos && !default_domain.empty()) {
    out += '@';
    for (char c : default_domain) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

}  // namespace easgate
