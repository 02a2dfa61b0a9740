#include "gateway/config/config_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <vector>

namespace easgate {
namespace {

constexpr size_t kMaxScalarLength = 64;  // longer "numbers" are garbage, not big values

bool parse_digits(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text.substr(0, kMaxScalarLength)) + "\"";
  if (text.empty() || text.size() > kMaxScalarLength) {
    return Status::invalid_argument(quoted + " is not a duration");
  }
  uint64_t whole = 0;
  if (parse_digits(text, &whole)) {  // bare integer: seconds
    if (whole > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 1000)) {
      return Status::invalid_argument(quoted + " is too large for a duration");
    }
    return std::chrono::milliseconds(static_cast<int64_t>(whole) * 1000);
  }
  // Sequence of <digits><unit>, units in descending order: "1h30m", "2m500ms".
  struct Unit {
    std::string_view name;  // suffix as written
    int64_t millis;         // its length
  };
  static constexpr Unit kUnits[] = {{"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}};
  int64_t total = 0;
  int64_t last_unit = std::numeric_limits<int64_t>::max();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t digits_end = pos;
    while (digits_end < text.size() && std::isdigit(static_cast<unsigned char>(text[digits_end]))) {
      ++digits_end;
    }
    size_t unit_end = digits_end;
    while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) {
      ++unit_end;
    }
    uint64_t number = 0;
    if (!parse_digits(text.substr(pos, digits_end - pos), &number) || unit_end == digits_end) {
      return Status::invalid_argument(quoted + " is not a duration");
    }
    std::string_view unit = text.substr(digits_end, unit_end - digits_end);
    const Unit* found = nullptr;
    for (const Unit& u : kUnits) {
      if (u.name == unit) found = &u;
    }
    if (found == nullptr) {
      return Status::invalid_argument(quoted + " has unknown unit \"" + std::string(unit) + "\"");
    }
    if (found->millis >= last_unit) {
      return Status::invalid_argument(quoted + " repeats or misorders units");
    }
    last_unit = found->millis;
    if (number > static_cast<uint64_t>((std::numeric_limits<int64_t>::max() - total) /
                                       found->millis)) {
      return Status::invalid_argument(quoted + " is too large for a duration");
    }
    total += static_cast<int64_t>(number) * found->millis;
    pos = unit_end;
  }
  return std::chrono::milliseconds(total);
}

Result<uint64_t> parse_byte_size(std::string_view text) {
  const std::string quoted = "\"" + std::string(text.substr(0, kMaxScalarLength)) + "\"";
  if (text.empty() || text.size() > kMaxScalarLength) {
    return Status::invalid_argument(quoted + " is not a byte size");
  }
  size_t digits_end = 0;
  while (digits_end < text.size() && std::isdigit(static_cast<unsigned char>(text[digits_end]))) {
    ++digits_end;
  }
  uint64_t number = 0;
  if (!parse_digits(text.substr(0, digits_end), &number)) {
    return Status::invalid_argument(quoted + " is not a byte size");
  }
  std::string_view unit = text.substr(digits_end);
  uint64_t multiplier = 1;
  if (unit.empty()) {
    multiplier = 1;
  } else if (unit == "KiB") {
    multiplier = 1ull << 10;
  } else if (unit == "MiB") {
    multiplier = 1ull << 20;
  } else if (unit == "GiB") {
    multiplier = 1ull << 30;
  } else {
    return Status::invalid_argument(quoted + " has unknown unit \"" + std::string(unit) +
                                    "\" (expected KiB, MiB or GiB)");
  }
  if (number > std::numeric_limits<uint64_t>::max() / multiplier) {
    return Status::invalid_argument(quoted + " is too large");
  }
  return number * multiplier;
}

std::optional<bool> parse_config_bool(std::string_view text) {
  const std::string t = lower(text);
  if (t == "true" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

Result<std::string> expand_env(std::string_view text, const EnvLookup& lookup) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c != '$') {
      out += c;
      ++pos;
      continue;
    }
    if (pos + 1 < text.size() && text[pos + 1] == '$') {
      out += '$';
      pos += 2;
      continue;
    }
    if (pos + 1 >= text.size() || text[pos + 1] != '{') {
      out += c;  // a lone '$' is literal; only ${...} expands
      ++pos;
      continue;
    }
    const size_t close = text.find('}', pos + 2);
    if (close == std::string_view::npos) {
      return Status::invalid_argument("unterminated \"${\" in \"" + std::string(text) + "\"");
    }
    std::string_view inner = text.substr(pos + 2, close - pos - 2);
    std::optional<std::string_view> fallback;
    if (const size_t sep = inner.find(":-"); sep != std::string_view::npos) {
      fallback = inner.substr(sep + 2);
      inner = inner.substr(0, sep);
    }
    const bool name_ok = !inner.empty() && std::all_of(inner.begin(), inner.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
    });
    if (!name_ok) {
      return Status::invalid_argument("bad variable name \"" + std::string(inner) + "\" in \"" +
                                      std::string(text) + "\"");
    }
    std::optional<std::string> value = lookup ? lookup(std::string(inner)) : std::nullopt;
    if (value && !value->empty()) {
      out += *value;
    } else if (fallback) {
      out += *fallback;
    } else {
      return Status::invalid_argument("environment variable " + std::string(inner) +
                                      " is not set and has no default (write ${" +
                                      std::string(inner) + ":-default})");
    }
    pos = close + 1;
  }
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace easgate
