#include "gateway/sync/email_flag_snapshot.h"

#include <algorithm>
#include <unordered_map>

#include "gateway/sync/email_sync_state.h"
#include "gateway/sync/state_text.h"

namespace easgate {
namespace {

using state_text::parse_num;
using state_text::split;

constexpr uint32_t kAllBits = 63;  // the six flag_bits() bits

}  // namespace

MessageFlags normalized_flags(MessageFlags flags) {
  std::sort(flags.keywords.begin(), flags.keywords.end());
  flags.keywords.erase(std::unique(flags.keywords.begin(), flags.keywords.end()),
                       flags.keywords.end());
  return flags;
}

std::string encode_flag_snapshot(const std::optional<FlagSnapshot>& snapshot) {
  if (!snapshot) return {};
  // Keywords repeat across messages (categories, $MDNSent...): one table, indexes per UID.
  std::vector<std::string> table;
  std::unordered_map<std::string, size_t> index;
  for (const auto& [uid, f] : *snapshot)
    for (const std::string& k : f.keywords)
      if (index.emplace(k, table.size()).second) table.push_back(k);
  std::string out;
  if (!table.empty()) {
    out += "\nk";
    for (const std::string& k : table) out += " " + k;
  }
  out += "\ns";
  uint32_t last = 0;
  for (const auto& [uid, f] : *snapshot) {
    out += ' ';
    out += std::to_string(uid - last);  // deltas: a dense folder costs ~2 bytes a message
    last = uid;
    uint32_t bits = flag_bits(f);
    if (bits == 0 && f.keywords.empty()) continue;
    out += '.';
    out += std::to_string(bits);
    for (const std::string& k : f.keywords) {
      out += '.';
      out += std::to_string(index[k]);
    }
  }
  return out;
}

std::optional<FlagSnapshot> decode_flag_snapshot(std::string_view cursor_text) {
  auto lines = split(cursor_text, '\n');
  std::vector<std::string_view> table;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto f = split(lines[i], ' ');
    if (f[0] == "k") {
      table.assign(f.begin() + 1, f.end());
      for (std::string_view k : table)
        if (k.empty()) return std::nullopt;
      continue;
    }
    if (f[0] != "s") continue;  // a later line kind: not ours
    FlagSnapshot out;
    uint32_t uid = 0;
    for (size_t j = 1; j < f.size(); ++j) {
      auto parts = split(f[j], '.');
      uint32_t delta = 0;
      if (!parse_num(parts[0], &delta) || delta == 0 || uid > UINT32_MAX - delta)
        return std::nullopt;
      uid += delta;
      MessageFlags flags;
      if (parts.size() > 1) {
        uint32_t bits = 0;
        if (!parse_num(parts[1], &bits) || bits > kAllBits) return std::nullopt;
        flags = flags_from_bits(bits);
        for (size_t p = 2; p < parts.size(); ++p) {
          size_t k = 0;
          if (!parse_num(parts[p], &k) || k >= table.size()) return std::nullopt;
          flags.keywords.emplace_back(table[k]);
        }
      }
      out.emplace(uid, normalized_flags(std::move(flags)));
    }
    return out;
  }
  return std::nullopt;
}

std::vector<MessageChange> snapshot_list(const FlagSnapshot& snapshot) {
  std::vector<MessageChange> out;
  out.reserve(snapshot.size());
  for (const auto& [uid, f] : snapshot) out.push_back(MessageChange{uid, f, 0});
  return out;
}

void apply_listing_diff(const MessageChanges& changes, FlagSnapshot* snapshot) {
  for (const MessageChange& c : changes.changed) (*snapshot)[c.uid] = normalized_flags(c.flags);
  for (uint32_t u : changes.vanished) snapshot->erase(u);
}

}  // namespace easgate
