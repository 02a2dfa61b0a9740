#include "gateway/config/sections.h"

namespace easgate {
namespace {

constexpr size_t kMinTokenLength = 16;   // a guessable token opens wipe and block to anyone
constexpr size_t kMaxTokenFileBytes = 4096;

std::string trim(std::string text) {
  const char* ws = " \t\r\n";
  const size_t b = text.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  const size_t e = text.find_last_not_of(ws);
  return text.substr(b, e - b + 1);
}

}  // namespace

void parse_admin_section(ConfigContext& ctx, const ConfigField& field, AdminConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  ConfigField token = m.field("token", Need::kOptional, "a secret string");
  ConfigField token_file = m.field("token_file", Need::kOptional, "a file holding the token");
  if (token.present && token_file.present) {
    // One error is enough: the token is still read so the loader does not also call it missing.
    ctx.error(token_file.mark, token_file.path, "token and token_file are both set (expected one)");
    read_string(ctx, token, &out->token);
    return;
  }
  YAML::Mark where;
  std::string path;
  if (token.present) {
    if (!read_string(ctx, token, &out->token)) return;
    where = token.mark;
    path = token.path;
  } else if (token_file.present) {
    if (!read_path(ctx, token_file, true, "a file holding the admin token", &out->token_file)) {
      return;
    }
    std::optional<std::string> content =
        ctx.env().read_small_file ? ctx.env().read_small_file(out->token_file) : std::nullopt;
    if (!content || content->size() > kMaxTokenFileBytes) {
      ctx.error(token_file.mark, token_file.path,
                "cannot read \"" + out->token_file + "\" (expected a file under 4 KiB)");
      return;
    }
    out->token = trim(*content);
    where = token_file.mark;
    path = token_file.path;
  } else {
    return;  // whether a token is needed depends on the listeners: checked by the loader
  }
  // Never echo the token itself: check output ends up in CI logs and tickets.
  if (out->token.size() < kMinTokenLength) {
    ctx.error(where, path,
              "token is " + std::to_string(out->token.size()) + " characters (expected at least " +
                  std::to_string(kMinTokenLength) + ")");
  }
}

}  // namespace easgate
