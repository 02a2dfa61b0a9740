#pragma once
// Walks a yaml-cpp tree for the section parsers and collects every problem with its
// position and key path instead of stopping at the first. Section parsers ask for keys by
// name; whatever they never asked for is reported as an unknown key (with "did you mean"),
// so a typo can never silently fall back to a default.

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/config/config_environment.h"
#include "gateway/config/config_error.h"

namespace easgate {

// Shared by all readers of one file: the error list, the file's folder, the environment.
class ConfigContext {
 public:
  ConfigContext(std::string file_label, std::string base_dir, const ConfigEnvironment& env);

  // Records an error at `mark` (yaml-cpp 0-based; a null mark becomes "no position").
  void error(const YAML::Mark& mark, std::string key_path, std::string message);
  bool has_errors() const { return !errors_.empty(); }
  std::vector<ConfigError> take_errors();

  const ConfigEnvironment& env() const { return env_; }
  const std::string& base_dir() const { return base_dir_; }
  const std::string& file_label() const { return file_label_; }

 private:
  std::string file_label_;
  std::string base_dir_;
  const ConfigEnvironment& env_;
  std::vector<ConfigError> errors_;
};

// Whether a key must be present.
enum class Need : uint8_t {
  kOptional,  // absent or null: keep the default
  kRequired,  // absent or null: "missing required key" at the parent map's position
};

// A value found (or not) under a key or a sequence index.
struct ConfigField {
  YAML::Node node;     // the value; undefined when absent
  YAML::Mark mark;     // where to point errors: the value, else its key, else the parent
  std::string path;    // "server.listeners[1].port"
  bool present = false;  // key exists with a non-null value
};

// A name an enum value is written as.
template <typename E>
struct EnumName {
  std::string_view name;  // as written in YAML
  E value;                // the parsed value
};

// Typed scalar readers. Each returns false (after recording one error) when the field is
// present but wrong; *out is untouched unless the value is valid.
bool read_string(ConfigContext& ctx, const ConfigField& f, std::string* out);
bool read_uint(ConfigContext& ctx, const ConfigField& f, uint64_t min, uint64_t max,
               uint64_t* out);
bool read_bool(ConfigContext& ctx, const ConfigField& f, bool* out);
bool read_duration(ConfigContext& ctx, const ConfigField& f, std::chrono::milliseconds min,
                   std::chrono::milliseconds max, std::chrono::milliseconds* out);
bool read_byte_size(ConfigContext& ctx, const ConfigField& f, uint64_t min, uint64_t max,
                    uint64_t* out);
// Expands ${VAR}, resolves a relative path against the config file's folder and, when
// `must_exist`, checks the file is readable (`what` names it in the message).
bool read_path(ConfigContext& ctx, const ConfigField& f, bool must_exist, std::string_view what,
               std::string* out);
// Reads one of `names`; the error lists all of them and suggests the closest.
bool read_enum_name(ConfigContext& ctx, const ConfigField& f,
                    std::span<const std::string_view> names, size_t* index);

template <typename E>
bool read_enum(ConfigContext& ctx, const ConfigField& f, std::span<const EnumName<E>> names,
               E* out) {
  std::vector<std::string_view> plain;
  for (const auto& n : names) plain.push_back(n.name);
  size_t index = 0;
  if (!read_enum_name(ctx, f, plain, &index)) return false;
  *out = names[index].value;
  return true;
}

// A YAML map being read. Keys are looked up by name; the destructor reports keys nobody
// asked for and duplicate keys. Not a map: one error, and every lookup finds nothing.
class MapReader {
 public:
  MapReader(ConfigContext& ctx, const ConfigField& field);
  ~MapReader();
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  bool valid() const { return valid_; }
  const std::string& path() const { return path_; }
  const YAML::Mark& mark() const { return mark_; }
  ConfigContext& ctx() { return ctx_; }

  // The field under `key`; a required absent key is reported as missing with `expected`.
  ConfigField field(std::string_view key, Need need, std::string_view expected);

  // Shorthands: field() + the typed reader. Return true when a valid value was stored.
  bool string(std::string_view key, Need need, std::string* out);
  bool uint(std::string_view key, Need need, uint64_t min, uint64_t max, uint64_t* out);
  bool port(std::string_view key, Need need, uint16_t* out);
  bool boolean(std::string_view key, Need need, bool* out);
  bool duration(std::string_view key, Need need, std::chrono::milliseconds min,
                std::chrono::milliseconds max, std::chrono::milliseconds* out);
  bool byte_size(std::string_view key, Need need, uint64_t min, uint64_t max, uint64_t* out);
  bool path_value(std::string_view key, Need need, bool must_exist, std::string_view what,
                  std::string* out);
  template <typename E>
  bool enumeration(std::string_view key, Need need, std::span<const EnumName<E>> names, E* out) {
    std::string expected = "one of";
    for (const auto& n : names) expected += std::string(" ") + std::string(n.name);
    ConfigField f = field(key, need, expected);
    return f.present && read_enum(ctx_, f, names, out);
  }

  template <typename T>
  bool unsigned_value(std::string_view key, Need need, uint64_t min, uint64_t max, T* out) {
    uint64_t v = 0;
    if (!uint(key, need, min, max, &v)) return false;
    *out = static_cast<T>(v);
    return true;
  }

 private:
  struct Entry {
    std::string key;   // scalar key text
    YAML::Node value;  // its value
    YAML::Mark key_mark;  // position of the key
    bool used = false;    // asked for by the section parser
  };

  ConfigContext& ctx_;
  std::string path_;
  YAML::Mark mark_;
  bool valid_ = false;
  std::vector<Entry> entries_;
  std::vector<std::string> asked_;  // every key looked up, for "did you mean"
};

// Items of a sequence field, each with its "path[i]". Not a sequence: one error, no items.
std::vector<ConfigField> sequence_items(ConfigContext& ctx, const ConfigField& f,
                                        std::string_view expected);

// "a map", "a sequence", "null", "a scalar".
std::string_view node_kind(const YAML::Node& node);

// The closest of `candidates` to `word` when it is close enough to be a typo.
std::string closest_match(std::string_view word, std::span<const std::string> candidates);

}  // namespace easgate
