#include "gateway/sync/email_sync_state.h"

#include "gateway/sync/state_text.h"

namespace easgate {
namespace {

// Text form, one record per line, fields separated by single spaces (keywords are IMAP
// atoms, which never contain a space):
//   cursor:  "e1 <highestmodseq> <uidnext> <messages>"
//   window:  "w1 <initial_uid_max> <since>"
//            "D <uid> <uid> ..."
//            "C <uid> <modseq> <flag bits> [<keyword> ...]"   (one line per change)
//            "A <uid> <uid> ..."
//            "T <uid> <uid> ..."   (conversation adds)
//            "S <uid> <uid> ..."   (soft deletes)
//            "F <filter age>"      (when recorded; alone the window keeps since 0, as the
//                                   empty text did before)
//            "K <0|1>"             (SMS wanted, when recorded)
//            "M <uid> <uid> ..."   (SMS left out while not wanted)
//   message meta: ["v1 <last verb> <epoch seconds>"]            (at most once, first)
//                 ["f1 <flag status>" then "<page> <token> <%-escaped text>" per field]

using state_text::parse_num;
using state_text::split;

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
  // Later lines carry the no-CONDSTORE flag snapshot (email_flag_snapshot.h).
  auto f = split(text.substr(0, text.find('\n')), ' ');
  EmailCursor c;
  if (f.size() != 4 || f[0] != "e1" || !parse_num(f[1], &c.highestmodseq) ||
      !parse_num(f[2], &c.uidnext) || !parse_num(f[3], &c.messages))
    return std::nullopt;
  return c;
}

std::string encode_pending_window(const EmailPendingWindow& w) {
  if (w.empty() && w.filter_age < 0 && w.sms_wanted < 0 && w.skipped_sms.empty()) return {};
  // A drained window forgets its cutoff (new mail after the walk is shown whatever its date).
  std::string out = "w1 " + std::to_string(w.initial_uid_max) + " " +
                    std::to_string(w.empty() ? 0 : w.since);
  append_uids(&out, 'D', w.deletes);
  for (const MessageChange& c : w.changes) {
    out += "\nC " + std::to_string(c.uid) + " " + std::to_string(c.modseq) + " " +
           std::to_string(flag_bits(c.flags));
    for (const auto& k : c.flags.keywords) out += " " + k;
  }
  append_uids(&out, 'A', w.adds);
  append_uids(&out, 'T', w.conversation_adds);
  append_uids(&out, 'S', w.soft_deletes);
  if (w.filter_age >= 0) out += "\nF " + std::to_string(w.filter_age);
  if (w.sms_wanted >= 0) out += "\nK " + std::to_string(w.sms_wanted);
  append_uids(&out, 'M', w.skipped_sms);
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
    } else if (f[0] == "T") {
      if (!parse_uids(f, &w.conversation_adds)) return std::nullopt;
    } else if (f[0] == "S") {
      if (!parse_uids(f, &w.soft_deletes)) return std::nullopt;
    } else if (f[0] == "M") {
      if (!parse_uids(f, &w.skipped_sms)) return std::nullopt;
    } else if (f[0] == "K") {
      if (f.size() != 2 || (f[1] != "0" && f[1] != "1")) return std::nullopt;
      w.sms_wanted = f[1] == "1" ? 1 : 0;
    } else if (f[0] == "F") {
      if (f.size() != 2 || !parse_num(f[1], &w.filter_age) || w.filter_age < 0)
        return std::nullopt;
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

namespace {

// Escapes the three bytes the line format uses: '%', CR and LF.
std::string escape_meta(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '%')
      out += "%25";
    else if (c == '\n')
      out += "%0A";
    else if (c == '\r')
      out += "%0D";
    else
      out += c;
  }
  return out;
}

std::optional<std::string> unescape_meta(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    std::string_view code = in.substr(i + 1, 2);
    if (code == "25")
      out += '%';
    else if (code == "0A")
      out += '\n';
    else if (code == "0D")
      out += '\r';
    else
      return std::nullopt;
    i += 2;
  }
  return out;
}

}  // namespace

std::string encode_flag_meta(const FlagMeta& meta) {
  std::string out = "f1 " + std::to_string(meta.status);
  for (const FlagMeta::Field& f : meta.fields)
    out +=
        "\n" + std::to_string(f.page) + " " + std::to_string(f.token) + " " + escape_meta(f.text);
  return out;
}

std::optional<FlagMeta> decode_flag_meta(std::string_view text) {
  auto lines = split(text, '\n');
  if (lines.empty()) return std::nullopt;
  auto head = split(lines[0], ' ');
  FlagMeta meta;
  uint32_t status = 0;
  if (head.size() != 2 || head[0] != "f1" || !parse_num(head[1], &status) || status < 1 ||
      status > 2)
    return std::nullopt;
  meta.status = static_cast<int>(status);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    size_t a = line.find(' ');
    size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    uint32_t page = 0, token = 0;
    if (!parse_num(line.substr(0, a), &page) || !parse_num(line.substr(a + 1, b - a - 1), &token) ||
        page > 255 || token > 63)
      return std::nullopt;
    auto value = unescape_meta(line.substr(b + 1));
    if (!value) return std::nullopt;
    meta.fields.push_back(
        FlagMeta::Field{static_cast<uint8_t>(page), static_cast<uint8_t>(token), *value});
  }
  return meta;
}

std::string encode_message_meta(const MessageMeta& meta) {
  std::string out;
  if (meta.last_verb != 0)
    out = "v1 " + std::to_string(meta.last_verb) + " " + std::to_string(meta.last_verb_time);
  if (meta.flag) out += (out.empty() ? "" : "\n") + encode_flag_meta(*meta.flag);
  return out;
}

std::optional<MessageMeta> decode_message_meta(std::string_view text) {
  MessageMeta meta;
  if (text.substr(0, 3) == "v1 ") {
    size_t end = text.find('\n');
    auto f = split(text.substr(0, end), ' ');
    uint32_t verb = 0;
    if (f.size() != 3 || !parse_num(f[1], &verb) || verb < 1 || verb > 3 ||
        !parse_num(f[2], &meta.last_verb_time))
      return std::nullopt;
    meta.last_verb = static_cast<int>(verb);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  if (!text.empty()) {
    meta.flag = decode_flag_meta(text);
    if (!meta.flag) return std::nullopt;
  }
  if (meta.empty()) return std::nullopt;
  return meta;
}

}  // namespace easgate
