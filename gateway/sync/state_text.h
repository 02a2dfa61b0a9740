#pragma once
// Small helpers for the line-based text forms the sync state stores (email_sync_state.cc,
// email_flag_snapshot.cc): strict numbers and field splitting, shared so both readers
// refuse the same malformed text the same way.

#include <charconv>
#include <string_view>
#include <vector>

namespace easgate::state_text {

// Whole-field decimal number; false for empty text, trailing characters or overflow.
template <typename T>
bool parse_num(std::string_view text, T* out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && p == text.data() + text.size() && !text.empty();
}

// Splits on every `sep`; empty fields are kept (so "a  b" has three fields).
inline std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace easgate::state_text
