#pragma once
// Scalar syntaxes used across config sections: durations, byte sizes, booleans and
// ${VAR} expansion. Pure functions; the section parsers add key paths and positions.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace easgate {

// "250ms", "15s", "5m", "1h", "1h30m", or a bare integer meaning seconds ("30").
// Rejects negatives, fractions, unknown units and values above ~292 years.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// "65536", "64KiB", "50MiB", "1GiB" (binary units; a bare integer is bytes).
Result<uint64_t> parse_byte_size(std::string_view text);

// YAML 1.1 style booleans an admin will write: true/false, yes/no, on/off (any case).
std::optional<bool> parse_config_bool(std::string_view text);

// Expands ${NAME} and ${NAME:-default} using `lookup`. An unset variable without a default
// is an error naming it; "$$" is a literal '$'. Nested expansions are not supported.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
Result<std::string> expand_env(std::string_view text, const EnvLookup& lookup);

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace easgate
