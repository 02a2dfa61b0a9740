#include "gateway/config/config_reader.h"

#include <charconv>
#include <filesystem>

#include "gateway/config/config_values.h"

namespace easgate {
namespace {

constexpr size_t kQuoteLimit = 60;  // keep hostile values from flooding the report

std::string quote(std::string_view text) {
  std::string out = "\"";
  out += text.substr(0, kQuoteLimit);
  if (text.size() > kQuoteLimit) out += "...";
  out += '"';
  return out;
}

std::string range_text(uint64_t min, uint64_t max) {
  return std::to_string(min) + ".." + std::to_string(max);
}

std::string duration_text(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms % 3'600'000 == 0 && ms != 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0 && ms != 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string byte_text(uint64_t n) {
  if (n != 0 && n % (1ull << 30) == 0) return std::to_string(n >> 30) + "GiB";
  if (n != 0 && n % (1ull << 20) == 0) return std::to_string(n >> 20) + "MiB";
  if (n != 0 && n % (1ull << 10) == 0) return std::to_string(n >> 10) + "KiB";
  return std::to_string(n);
}

// Scalar text or one error saying what kind of node was found instead.
bool scalar_of(ConfigContext& ctx, const ConfigField& f, std::string_view expected,
               std::string* out) {
  if (!f.node.IsScalar()) {
    ctx.error(f.mark, f.path,
              "wrong type: got " + std::string(node_kind(f.node)) + " (expected " +
                  std::string(expected) + ")");
    return false;
  }
  *out = f.node.Scalar();
  return true;
}

}  // namespace

ConfigContext::ConfigContext(std::string file_label, std::string base_dir,
                             const ConfigEnvironment& env)
    : file_label_(std::move(file_label)), base_dir_(std::move(base_dir)), env_(env) {}

void ConfigContext::error(const YAML::Mark& mark, std::string key_path, std::string message) {
  ConfigError e;
  e.file = file_label_;
  if (!mark.is_null() && mark.line >= 0) {
    e.line = mark.line + 1;
    e.column = mark.column + 1;
  }
  e.key_path = std::move(key_path);
  e.message = std::move(message);
  errors_.push_back(std::move(e));
}

std::vector<ConfigError> ConfigContext::take_errors() {
  std::vector<ConfigError> out = std::move(errors_);
  errors_.clear();
  sort_config_errors(&out);
  return out;
}

std::string_view node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

std::string closest_match(std::string_view word, std::span<const std::string> candidates) {
  std::string best;
  size_t best_distance = std::string::npos;
  for (const std::string& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  // Close enough to be a typo: up to 2 edits, and less than half the word changed.
  const size_t limit = std::min<size_t>(2, std::max<size_t>(1, word.size() / 2));
  if (best_distance <= limit) return best;
  // An abbreviation ("local" for "local_part") is as likely as a typo.
  if (word.size() >= 3) {
    for (const std::string& c : candidates) {
      if (c.rfind(word, 0) == 0) return c;
    }
  }
  return std::string();
}

bool read_string(ConfigContext& ctx, const ConfigField& f, std::string* out) {
  return scalar_of(ctx, f, "a string", out);
}

bool read_uint(ConfigContext& ctx, const ConfigField& f, uint64_t min, uint64_t max,
               uint64_t* out) {
  std::string text;
  if (!scalar_of(ctx, f, "an integer " + range_text(min, max), &text)) return false;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || end != text.data() + text.size()) {
    ctx.error(f.mark, f.path,
              quote(text) + " is not a whole number (expected " + range_text(min, max) + ")");
    return false;
  }
  if (ec != std::errc() || v < min || v > max) {
    ctx.error(f.mark, f.path, text + " is out of range " + range_text(min, max));
    return false;
  }
  *out = v;
  return true;
}

bool read_bool(ConfigContext& ctx, const ConfigField& f, bool* out) {
  std::string text;
  if (!scalar_of(ctx, f, "true or false", &text)) return false;
  std::optional<bool> v = parse_config_bool(text);
  if (!v) {
    ctx.error(f.mark, f.path, quote(text) + " is not a boolean (expected true/false, on/off)");
    return false;
  }
  *out = *v;
  return true;
}

bool read_duration(ConfigContext& ctx, const ConfigField& f, std::chrono::milliseconds min,
                   std::chrono::milliseconds max, std::chrono::milliseconds* out) {
  const std::string expected = "a duration " + duration_text(min) + ".." + duration_text(max) +
                               " such as 250ms, 15s, 5m, 1h or integer seconds";
  std::string text;
  if (!scalar_of(ctx, f, expected, &text)) return false;
  Result<std::chrono::milliseconds> d = parse_duration(text);
  if (!d) {
    ctx.error(f.mark, f.path, d.status().message() + " (expected " + expected + ")");
    return false;
  }
  if (*d < min || *d > max) {
    ctx.error(f.mark, f.path,
              text + " is out of range " + duration_text(min) + ".." + duration_text(max));
    return false;
  }
  *out = *d;
  return true;
}

bool read_byte_size(ConfigContext& ctx, const ConfigField& f, uint64_t min, uint64_t max,
                    uint64_t* out) {
  const std::string expected =
      "a size " + byte_text(min) + ".." + byte_text(max) + " in bytes or with KiB/MiB/GiB";
  std::string text;
  if (!scalar_of(ctx, f, expected, &text)) return false;
  Result<uint64_t> n = parse_byte_size(text);
  if (!n) {
    ctx.error(f.mark, f.path, n.status().message() + " (expected " + expected + ")");
    return false;
  }
  if (*n < min || *n > max) {
    ctx.error(f.mark, f.path, text + " is out of range " + byte_text(min) + ".." + byte_text(max));
    return false;
  }
  *out = *n;
  return true;
}

bool read_path(ConfigContext& ctx, const ConfigField& f, bool must_exist, std::string_view what,
               std::string* out) {
  std::string text;
  if (!scalar_of(ctx, f, "a file path", &text)) return false;
  Result<std::string> expanded = expand_env(text, ctx.env().get_env);
  if (!expanded) {
    ctx.error(f.mark, f.path, expanded.status().message());
    return false;
  }
  if (expanded->empty()) {
    ctx.error(f.mark, f.path, "empty path (expected " + std::string(what) + ")");
    return false;
  }
  // Relative paths follow the config file, not the daemon's working directory, so the
  // same file works from systemd, a shell, or the test runner.
  std::filesystem::path p(*expanded);
  if (p.is_relative()) p = std::filesystem::path(ctx.base_dir()) / p;
  std::string resolved = p.lexically_normal().string();
  if (must_exist && !(ctx.env().file_is_readable && ctx.env().file_is_readable(resolved))) {
    ctx.error(f.mark, f.path,
              "file " + quote(resolved) + " does not exist or is not readable (expected " +
                  std::string(what) + ")");
    return false;
  }
  *out = std::move(resolved);
  return true;
}

bool read_enum_name(ConfigContext& ctx, const ConfigField& f,
                    std::span<const std::string_view> names, size_t* index) {
  std::string list;
  std::vector<std::string> candidates;
  for (std::string_view n : names) {
    if (!list.empty()) list += ", ";
    list += n;
    candidates.emplace_back(n);
  }
  std::string text;
  if (!scalar_of(ctx, f, "one of " + list, &text)) return false;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) {
      *index = i;
      return true;
    }
  }
  std::string message = quote(text) + " is not a valid value (expected one of " + list;
  const std::string hint = closest_match(text, candidates);
  if (!hint.empty()) message += "; did you mean \"" + hint + "\"?";
  ctx.error(f.mark, f.path, message + ")");
  return false;
}

MapReader::MapReader(ConfigContext& ctx, const ConfigField& field)
    : ctx_(ctx), path_(field.path), mark_(field.mark) {
  if (!field.present) return;
  if (!field.node.IsMap()) {
    ctx_.error(field.mark, path_,
               "wrong type: got " + std::string(node_kind(field.node)) + " (expected a map)");
    return;
  }
  valid_ = true;
  for (auto it = field.node.begin(); it != field.node.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      ctx_.error(key.Mark(), path_, "map keys must be plain names, got " +
                                        std::string(node_kind(key)));
      continue;
    }
    const std::string name = key.Scalar();
    bool duplicate = false;
    for (const Entry& e : entries_) {
      if (e.key == name) {
        // yaml-cpp keeps both; the spec (YAML 1.2 3.2.1.1) requires unique keys.
        ctx_.error(key.Mark(), path_.empty() ? name : path_ + "." + name,
                   "duplicate key (first defined on line " + std::to_string(e.key_mark.line + 1) +
                       ")");
        duplicate = true;
        break;
      }
    }
    if (!duplicate) entries_.push_back(Entry{name, it->second, key.Mark(), false});
  }
}

MapReader::~MapReader() {
  for (const Entry& e : entries_) {
    if (e.used) continue;
    const std::string hint = closest_match(e.key, asked_);
    std::string message = "unknown key";
    if (!hint.empty()) {
      message += " (did you mean \"" + hint + "\"?)";
    } else if (!asked_.empty()) {
      message += " (expected one of:";
      for (const std::string& k : asked_) message += " " + k;
      message += ")";
    }
    ctx_.error(e.key_mark, path_.empty() ? e.key : path_ + "." + e.key, message);
  }
}

ConfigField MapReader::field(std::string_view key, Need need, std::string_view expected) {
  ConfigField f;
  f.path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  f.mark = mark_;
  bool known = false;
  for (const std::string& k : asked_) known = known || k == key;
  if (!known) asked_.emplace_back(key);
  if (!valid_) return f;
  for (Entry& e : entries_) {
    if (e.key != key) continue;
    e.used = true;
    f.node = e.value;
    f.present = !e.value.IsNull();
    const YAML::Mark value_mark = e.value.Mark();
    f.mark = (f.present && !value_mark.is_null()) ? value_mark : e.key_mark;
    break;
  }
  if (!f.present && need == Need::kRequired) {
    ctx_.error(f.mark, f.path, "missing required key (expected " + std::string(expected) + ")");
  }
  return f;
}

bool MapReader::string(std::string_view key, Need need, std::string* out) {
  ConfigField f = field(key, need, "a string");
  return f.present && read_string(ctx_, f, out);
}

bool MapReader::uint(std::string_view key, Need need, uint64_t min, uint64_t max, uint64_t* out) {
  ConfigField f = field(key, need, "an integer " + range_text(min, max));
  return f.present && read_uint(ctx_, f, min, max, out);
}

bool MapReader::port(std::string_view key, Need need, uint16_t* out) {
  return unsigned_value(key, need, 1, 65535, out);
}

bool MapReader::boolean(std::string_view key, Need need, bool* out) {
  ConfigField f = field(key, need, "true or false");
  return f.present && read_bool(ctx_, f, out);
}

bool MapReader::duration(std::string_view key, Need need, std::chrono::milliseconds min,
                         std::chrono::milliseconds max, std::chrono::milliseconds* out) {
  ConfigField f = field(key, need, "a duration such as 15s");
  return f.present && read_duration(ctx_, f, min, max, out);
}

bool MapReader::byte_size(std::string_view key, Need need, uint64_t min, uint64_t max,
                          uint64_t* out) {
  ConfigField f = field(key, need, "a size in bytes or with KiB/MiB/GiB");
  return f.present && read_byte_size(ctx_, f, min, max, out);
}

bool MapReader::path_value(std::string_view key, Need need, bool must_exist,
                           std::string_view what, std::string* out) {
  ConfigField f = field(key, need, what);
  return f.present && read_path(ctx_, f, must_exist, what, out);
}

std::vector<ConfigField> sequence_items(ConfigContext& ctx, const ConfigField& f,
                                        std::string_view expected) {
  std::vector<ConfigField> items;
  if (!f.present) return items;
  if (!f.node.IsSequence()) {
    ctx.error(f.mark, f.path,
              "wrong type: got " + std::string(node_kind(f.node)) + " (expected " +
                  std::string(expected) + ")");
    return items;
  }
  for (size_t i = 0; i < f.node.size(); ++i) {
    ConfigField item;
    item.node = f.node[i];
    item.path = f.path + "[" + std::to_string(i) + "]";
    item.present = !item.node.IsNull();
    item.mark = item.node.Mark().is_null() ? f.mark : item.node.Mark();
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace easgate
