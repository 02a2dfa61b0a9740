#include "backends/imap/imap_sequence.h"

#include <algorithm>
#include <charconv>

namespace easgate {
namespace {

bool parse_u32(std::string_view s, uint32_t* out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n == 0 || n > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(n);
  return true;
}

void sort_unique(std::vector<uint32_t>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

}  // namespace

std::string format_uid_set(std::vector<uint32_t> uids) {
  uids.erase(std::remove(uids.begin(), uids.end(), 0u), uids.end());
  sort_unique(&uids);
  std::string out;
  for (size_t i = 0; i < uids.size();) {
    size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(uids[i]);
    if (j > i) out += ':' + std::to_string(uids[j]);
    i = j + 1;
  }
  return out;
}

Result<std::vector<uint32_t>> parse_uid_set(std::string_view text, size_t max_count) {
  std::vector<uint32_t> out;
  if (text.empty()) return Status::malformed("empty UID set");
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view item =
        text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
    size_t colon = item.find(':');
    uint32_t a = 0, b = 0;
    if (colon == std::string_view::npos) {
      if (!parse_u32(item, &a)) return Status::malformed("bad UID in set: " + std::string(item));
      b = a;
    } else if (!parse_u32(item.substr(0, colon), &a) || !parse_u32(item.substr(colon + 1), &b)) {
      return Status::malformed("bad UID range in set: " + std::string(item));
    }
    uint32_t lo = std::min(a, b), hi = std::max(a, b);
    if (static_cast<uint64_t>(hi - lo) + 1 + out.size() > max_count)
      return Status::too_large("UID set expands beyond the limit");
    if (a <= b) {
      for (uint64_t u = a; u <= b; ++u) out.push_back(static_cast<uint32_t>(u));
    } else {
      for (uint64_t u = a; u >= b; --u) out.push_back(static_cast<uint32_t>(u));
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

Result<ImapSearchResult> search_result(const std::vector<ImapResponse>& untagged,
                                       size_t max_count) {
  ImapSearchResult r;
  bool have_count = false;
  for (const ImapResponse& u : untagged) {
    if (u.keyword == "SEARCH") {
      // mailbox-data =/ "SEARCH" *(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"]
      for (const ImapValue& v : u.values) {
        if (v.is_list()) continue;  // RFC 7162 3.1.5 (MODSEQ n)
        auto n = v.as_number();
        if (!n || *n == 0 || *n > UINT32_MAX) return Status::malformed("SEARCH: bad UID");
        if (r.uids.size() >= max_count) return Status::too_large("SEARCH result beyond the limit");
        r.uids.push_back(static_cast<uint32_t>(*n));
      }
    } else if (u.keyword == "ESEARCH") {
      // esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
      size_t i = 0;
      if (i < u.values.size() && u.values[i].is_list()) ++i;  // (TAG "x")
      if (i < u.values.size() && u.values[i].is_atom("UID")) ++i;
      for (; i + 1 < u.values.size(); i += 2) {
        const ImapValue& k = u.values[i];
        const ImapValue& v = u.values[i + 1];
        if (k.is_atom("ALL")) {
          if (v.kind != ImapValueKind::kAtom) return Status::malformed("ESEARCH: bad ALL");
          auto set = parse_uid_set(v.text, max_count - std::min(max_count, r.uids.size()));
          if (!set) return set.status();
          r.uids.insert(r.uids.end(), set->begin(), set->end());
        } else if (k.is_atom("COUNT")) {
          auto n = v.as_number();
          if (!n) return Status::malformed("ESEARCH: bad COUNT");
          r.count = static_cast<size_t>(*n);
          have_count = true;
        }
      }
    }
  }
  sort_unique(&r.uids);
  if (!have_count) r.count = r.uids.size();
  return r;
}

Result<std::vector<uint32_t>> vanished_uids(const std::vector<ImapResponse>& untagged,
                                            size_t max_count) {
  std::vector<uint32_t> out;
  for (const ImapResponse& u : untagged) {
    if (u.keyword != "VANISHED") continue;
    // expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids (RFC 7162 7)
    const ImapValue* set = nullptr;
    for (const ImapValue& v : u.values)
      if (v.kind == ImapValueKind::kAtom) set = &v;
    if (!set) return Status::malformed("VANISHED without a UID set");
    auto uids = parse_uid_set(set->text, max_count - std::min(max_count, out.size()));
    if (!uids) return uids.status();
    out.insert(out.end(), uids->begin(), uids->end());
  }
  sort_unique(&out);
  return out;
}

namespace {

Result<ImapCopyUid> copyuid_from(const std::vector<ImapValue>& args, size_t max_count) {
  // resp-code-copy = "COPYUID" SP nz-number SP uid-set SP uid-set (RFC 4315 4)
  if (args.size() != 3 || !args[0].as_number() || args[1].kind != ImapValueKind::kAtom ||
      args[2].kind != ImapValueKind::kAtom)
    return Status::malformed("COPYUID: expected uidvalidity set set");
  ImapCopyUid c;
  uint64_t v = *args[0].as_number();
  if (v == 0 || v > UINT32_MAX) return Status::malformed("COPYUID: bad uidvalidity");
  c.uidvalidity = static_cast<uint32_t>(v);
  auto from = parse_uid_set(args[1].text, max_count);
  if (!from) return from.status();
  auto to = parse_uid_set(args[2].text, max_count);
  if (!to) return to.status();
  if (from->size() != to->size()) return Status::malformed("COPYUID: sets differ in size");
  for (size_t i = 0; i < from->size(); ++i) c.uids.emplace_back((*from)[i], (*to)[i]);
  return c;
}

}  // namespace

Result<ImapCopyUid> find_copyuid(const std::string& code, const std::vector<ImapValue>& code_args,
                                 const std::vector<ImapResponse>& untagged, size_t max_count) {
  ImapCopyUid all;
  auto merge = [&](const std::vector<ImapValue>& args) -> Status {
    auto c = copyuid_from(args, max_count);
    if (!c) return c.status();
    all.uidvalidity = c->uidvalidity;
    all.uids.insert(all.uids.end(), c->uids.begin(), c->uids.end());
    return Status::ok();
  };
  for (const ImapResponse& u : untagged) {
    if (u.condition == ImapCondition::kOk && u.code == "COPYUID") {
      Status st = merge(u.code_args);
      if (!st) return st;
    }
  }
  if (code == "COPYUID") {
    Status st = merge(code_args);
    if (!st) return st;
  }
  return all;
}

}  // namespace easgate
