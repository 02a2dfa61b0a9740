#include "gateway/sync/email_sync_state.h"

#include <charconv>

namespace easgate {
namespace {

// Text form, one record per line, fields separated by single spaces (keywords are IMAP
// atoms, which never contain a space):
//   cursor:  "e1 <highestmodseq> <uidnext> <messages>"
//   window:  "w1 <initial_uid_max> <since>"
//            "D <uid> <uid> ..."
//            "C <uid> <modseq> <flag bits> [<keyword> ...]"   (one line per change)
//            "A <uid> <uid> ..."

template <typename T>
bool parse_num(std::string_view text, T* out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && p == text.data() + text.size() && !text.empty();
}

std::vector<std::string_view> split(std::string_view text, char sep) {
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

void append_uids(std::string* out, char kind, const std::vector<uint32_t>& uids) {
  if (uids.empty()) return;
  *out += '\n';
  *out += kind;
  for (uint32_t u : uids) {
    *out += ' ';
    *out += std::to_string(u);
  }
}

bool parse_uids(const std::vector<std::string_view>& fields, std::vector<uint32_t>* out) {
  for (size_t i = 1; i < fields.size(); ++i) {
    uint32_t u = 0;
    if (!parse_num(fields[i], &u) || u == 0) return false;
    out->push_back(u);
  }
  return true;
}

}  // namespace

uint32_t flag_bits(const MessageFlags& f) {
  return (f.seen ? 1u : 0u) | (f.flagged ? 2u : 0u) | (f.answered ? 4u : 0u) |
         (f.forwarded ? 8u : 0u) | (f.deleted ? 16u : 0u) | (f.draft ? 32u : 0u);
}

MessageFlags flags_from_bits(uint32_t bits) {
  MessageFlags f;
  f.seen = bits & 1u;
  f.flagged = bits & 2u;
  f.answered = bits & 4u;
  f.forwarded = bits & 8u;
  f.deleted = bits & 16u;
  f.draft = bits & 32u;
  return f;
}

std::string encode_cursor(const EmailCursor& c) {
  return "e1 " + std::to_string(c.highestmodseq) + " " + std::to_string(c.uidnext) + " " +
         std::to_string(c.messages);
}

std::optional<EmailCursor> decode_cursor(std::string_view text) {
  auto f = split(text, ' ');
  EmailCursor c;
  if (f.size() != 4 || f[0] != "e1" || !parse_num(f[1], &c.highestmodseq) ||
      !parse_num(f[2], &c.uidnext) || !parse_num(f[3], &c.messages))
    return std::nullopt;
  return c;
}

std::string encode_pending_window(const EmailPendingWindow& w) {
  if (w.empty()) return {};
  std::string out = "w1 " + std::to_string(w.initial_uid_max) + " " + std::to_string(w.since);
  append_uids(&out, 'D', w.deletes);
  for (const MessageChange& c : w.changes) {
    out += "\nC " + std::to_string(c.uid) + " " + std::to_string(c.modseq) + " " +
           std::to_string(flag_bits(c.flags));
    for (const auto& k : c.flags.keywords) out += " " + k;
  }
  append_uids(&out, 'A', w.adds);
  return out;
}

std::optional<EmailPendingWindow> decode_pending_window(std::string_view text) {
  EmailPendingWindow w;
  if (text.empty()) return w;
  auto lines = split(text, '\n');
  auto head = split(lines[0], ' ');
  if (head.size() != 3 || head[0] != "w1" || !parse_num(head[1], &w.initial_uid_max) ||
      !parse_num(head[2], &w.since))
    return std::nullopt;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto f = split(lines[i], ' ');
    if (f[0] == "D") {
      if (!parse_uids(f, &w.deletes)) return std::nullopt;
    } else if (f[0] == "A") {
      if (!parse_uids(f, &w.adds)) return std::nullopt;
    } else if (f[0] == "C") {
      MessageChange c;
      uint32_t bits = 0;
      if (f.size() < 4 || !parse_num(f[1], &c.uid) || c.uid == 0 || !parse_num(f[2], &c.modseq) ||
          !parse_num(f[3], &bits))
        return std::nullopt;
      c.flags = flags_from_bits(bits);
      for (size_t k = 4; k < f.size(); ++k) {
        if (f[k].empty()) return std::nullopt;
        c.flags.keywords.emplace_back(f[k]);
      }
      w.changes.push_back(std::move(c));
    } else {
      return std::nullopt;
    }
  }
  return w;
}

}  // namespace easgate
