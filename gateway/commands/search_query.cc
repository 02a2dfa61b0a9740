#include "gateway/commands/search_query.h"

#include <charconv>
#include <ctime>

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace em = tag::email;
namespace fd = tag::find;
namespace se = tag::search;

std::optional<uint64_t> parse_u64(std::string_view text) {
  uint64_t v = 0;
  if (text.empty() || text.size() > 19) return std::nullopt;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

ParsedMailboxSearch fail(int status, std::string why) {
  ParsedMailboxSearch out;
  out.status = status;
  out.why = std::move(why);
  return out;
}

// Classes whose items live in IMAP mail folders (MS-ASCMD 2.2.3.27.4: Email; SMS since 14.0).
bool is_mail_class(std::string_view c) { return c == "Email" || c == "SMS"; }

// Applies one criterion of an And (or the Query itself). Returns "" when understood, else
// the reason; `too_complex` tells Status 8 from Status 2.
std::string apply_criterion(const WbxmlElement& e, MailboxSearchRequest& r, bool* too_complex) {
  if (e.is(as::kClass)) {
    if (!is_mail_class(e.text())) r.no_mail_class = true;
    return {};
  }
  if (e.is(as::kCollectionId)) {
    if (e.text().empty()) return "empty CollectionId";
    r.collection_ids.emplace_back(e.text());
    return {};
  }
  if (e.is(se::kFreeText)) {
    if (!r.query.text.empty()) {
      *too_complex = true;  // one IMAP TEXT criterion per query here
      return "more than one FreeText";
    }
    r.query.text = std::string(e.text());
    return {};
  }
  if (e.is(se::kGreaterThan) || e.is(se::kLessThan)) {
    // MS-ASCMD 2.2.3.79 / 2.2.3.98: email:DateReceived then Value.
    if (!e.child(em::kDateReceived)) {
      *too_complex = true;
      return "comparison on a property other than DateReceived";
    }
    auto when = parse_eas_datetime(e.child_text(se::kValue));
    if (!when) return "bad comparison Value";
    if (e.is(se::kGreaterThan)) {
      r.query.since = *when;
    } else {
      r.query.before = *when;
    }
    return {};
  }
  if (e.is(se::kEqualTo)) {
    std::string value(e.child_text(se::kValue));
    if (value.empty()) return "EqualTo without Value";
    if (e.child(em::kFrom)) {
      r.query.from = value;
    } else if (e.child(em::kTo)) {
      r.query.to = value;
    } else if (e.child(em::kSubject)) {
      r.query.subject = value;
    } else {
      *too_complex = true;
      return "EqualTo on an unsupported property";
    }
    return {};
  }
  if (e.is(se::kOr)) {
    // Only a choice of folders maps onto one IMAP search (several mailboxes).
    if (e.children().empty()) return "empty Or";
    for (const auto& c : e.children()) {
      if (!c.is(as::kCollectionId) || c.text().empty()) {
        *too_complex = true;
        return "Or over something other than CollectionIds";
      }
      r.collection_ids.emplace_back(c.text());
    }
    return {};
  }
  if (e.is(se::kConversationId)) {
    *too_complex = true;
    return "ConversationId criterion";
  }
  if (e.is(se::kAnd)) {
    *too_complex = true;
    return "nested And";
  }
  return "unknown Query element";
}

void parse_rows(std::string_view range_text, MailboxSearchRequest& r, bool* bad) {
  if (range_text.empty()) return;
  auto range = parse_index_range(range_text);
  if (!range) {
    *bad = true;
    return;
  }
  r.rows = *range;
  if (r.rows.last - r.rows.first >= kMaxSearchRows) r.rows.last = r.rows.first + kMaxSearchRows - 1;
}

}  // namespace

std::optional<IndexRange> parse_index_range(std::string_view text) {
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto first = parse_u64(text.substr(0, dash));
  auto last = parse_u64(text.substr(dash + 1));
  if (!first || !last || *first > *last) return std::nullopt;
  return IndexRange{*first, *last};
}

std::string format_index_range(uint64_t first, uint64_t last) {
  return std::to_string(first) + "-" + std::to_string(last);
}

std::optional<int64_t> parse_eas_datetime(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS, then optional .fraction, then optional Z.
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
      t[13] != ':' || t[16] != ':')
    return std::nullopt;
  auto num = [&](size_t at, size_t n) { return parse_u64(t.substr(at, n)); };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
       s = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  if (*y < 1601 || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *s > 60)
    return std::nullopt;
  std::string_view rest = t.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    if (i == 1) return std::nullopt;
    rest = rest.substr(i);
  }
  if (rest == "Z") rest = {};
  if (!rest.empty()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = static_cast<int>(*y) - 1900;
  tm.tm_mon = static_cast<int>(*mo) - 1;
  tm.tm_mday = static_cast<int>(*d);
  tm.tm_hour = static_cast<int>(*h);
  tm.tm_min = static_cast<int>(*mi);
  tm.tm_sec = static_cast<int>(*s);
  return static_cast<int64_t>(timegm(&tm));
}

ParsedMailboxSearch parse_search_store(const WbxmlElement& store) {
  ParsedMailboxSearch out;
  MailboxSearchRequest& r = out.request;
  const WbxmlElement* query = store.child(se::kQuery);
  if (!query || query->children().empty()) return fail(kSearchInvalidRequest, "no Query");
  if (query->children().size() != 1)
    return fail(kSearchInvalidRequest, "Query must hold one element");
  const WbxmlElement& top = query->children().front();
  bool too_complex = false;
  if (top.is(se::kAnd)) {
    if (top.children().empty()) return fail(kSearchInvalidRequest, "empty And");
    for (const auto& c : top.children()) {
      std::string why = apply_criterion(c, r, &too_complex);
      if (!why.empty()) return fail(too_complex ? kSearchTooComplex : kSearchInvalidRequest, why);
    }
  } else {
    std::string why = apply_criterion(top, r, &too_complex);
    if (!why.empty()) return fail(too_complex ? kSearchTooComplex : kSearchInvalidRequest, why);
  }
  if (const WbxmlElement* options = store.child(se::kOptions)) {
    r.options = options;
    r.deep_traversal = options->child(se::kDeepTraversal) != nullptr;
    r.rebuild_results = options->child(se::kRebuildResults) != nullptr;
    bool bad = false;
    parse_rows(options->child_text(se::kRange), r, &bad);
    if (bad) return fail(kSearchInvalidRequest, "bad Range");
  }
  out.status = kSearchSuccess;
  return out;
}

ParsedMailboxSearch parse_find_request(const WbxmlElement& find) {
  ParsedMailboxSearch out;
  MailboxSearchRequest& r = out.request;
  if (find.child_text(fd::kSearchId).empty()) return fail(kFindInvalidRequest, "no SearchId");
  const WbxmlElement* exec = find.child(fd::kExecuteSearch);
  if (!exec) return fail(kFindInvalidRequest, "no ExecuteSearch");
  if (exec->child(fd::kGalSearchCriterion))
    return fail(kFindInvalidRequest, "GAL search is not served by this gateway");
  const WbxmlElement* criterion = exec->child(fd::kMailBoxSearchCriterion);
  if (!criterion) return fail(kFindInvalidRequest, "no MailBoxSearchCriterion");
  const WbxmlElement* query = criterion->child(fd::kQuery);
  if (!query) return fail(kFindInvalidRequest, "no Query");
  for (const auto& c : query->children()) {
    if (c.is(as::kClass)) {
      if (!is_mail_class(c.text())) r.no_mail_class = true;
    } else if (c.is(as::kCollectionId)) {
      if (c.text().empty()) return fail(kFindInvalidRequest, "empty CollectionId");
      r.collection_ids.emplace_back(c.text());
    } else if (c.is(fd::kFreeText)) {
      if (!r.query.text.empty()) return fail(kFindInvalidRequest, "more than one FreeText");
      r.query.text = std::string(c.text());
    } else {
      return fail(kFindInvalidRequest, "unknown Query element");
    }
  }
  if (r.query.text.empty()) return fail(kFindInvalidRequest, "no FreeText");
  if (const WbxmlElement* options = criterion->child(fd::kOptions)) {
    r.options = options;
    r.deep_traversal = options->child(fd::kDeepTraversal) != nullptr;
    bool bad = false;
    parse_rows(options->child_text(fd::kRange), r, &bad);
    if (bad) return fail(kFindInvalidRequest, "bad Range");
  }
  out.status = kFindSuccess;
  return out;
}

}  // namespace easgate
