#include "gateway/commands/resolve_recipients.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "gateway/commands/search_gal.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

namespace rr = tag::resolve_recipients;

constexpr char kLog[] = "resolve_recipients";
constexpr int64_t kSlot = 30 * 60;
// MS-ASCMD 2.2.3.61.1: Exchange 2010+ refuses windows longer than 42 days (Status 5).
constexpr int64_t kMaxWindow = 42 * 86400;
// MS-ASCMD 2.2.3.100: at most 100 To elements per request.
constexpr size_t kMaxTo = 100;

// MS-ASCMD 2.2.3.177.12 Status values.
enum ResolveStatus : int {
  kRrSuccess = 1,           // top level and Response: success
  kRrAmbiguous = 2,         // Response: several matches, suggestions listed
  kRrUnresolved = 4,        // Response: nothing matched
  kRrProtocolError = 5,     // top level: bad parameter or range
  kAvailFailed = 162,       // Availability: free/busy could not be read
  kAvailForbidden = 163,    // Availability: no permission to read the free/busy data
};

// MS-ASCMD 2.2.3.170.2 Type: where the recipient was found.
constexpr int kTypeGal = 1;
constexpr int kTypeContact = 2;

struct Resolved {
  std::string display_name;  // DisplayName
  std::string email;         // EmailAddress
  int type = kTypeGal;       // Type
};

struct Entry {
  std::string to;               // the To as sent
  int status = kRrSuccess;      // Response Status
  std::vector<Resolved> found;  // recipients to list
  std::vector<std::string> freebusy;  // per recipient: digits, or "" when avail_status != 1
  std::vector<int> avail_status;      // per recipient Availability Status
};

struct RrRun {
  std::shared_ptr<RequestContext> request;
  std::vector<Entry> entries;
  bool availability = false;
  std::chrono::sys_seconds start{};
  std::chrono::sys_seconds end{};
  size_t next_entry = 0;      // free/busy walk position
  size_t next_recipient = 0;
};
using Run = std::shared_ptr<RrRun>;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void reply(const Run& run) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(rr::kResolveRecipients);
  doc.root.add_text(rr::kStatus, std::to_string(kRrSuccess));
  for (const Entry& e : run->entries) {
    WbxmlElement& resp = doc.root.add_child(rr::kResponse);
    resp.add_text(rr::kTo, e.to);
    resp.add_text(rr::kStatus, std::to_string(e.status));
    resp.add_text(rr::kRecipientCount, std::to_string(e.found.size()));
    for (size_t i = 0; i < e.found.size(); ++i) {
      WbxmlElement& r = resp.add_child(rr::kRecipient);
      r.add_text(rr::kType, std::to_string(e.found[i].type));
      r.add_text(rr::kDisplayName, e.found[i].display_name);
      r.add_text(rr::kEmailAddress, e.found[i].email);
      if (run->availability && i < e.avail_status.size()) {
        WbxmlElement& a = r.add_child(rr::kAvailability);
        a.add_text(rr::kStatus, std::to_string(e.avail_status[i]));
        if (e.avail_status[i] == kAvailFailed || e.avail_status[i] == kAvailForbidden) continue;
        a.add_text(rr::kMergedFreeBusy, e.freebusy[i]);
      }
    }
  }
  run->request->reply_wbxml(doc, kRrSuccess);
}

void top_status(const std::shared_ptr<RequestContext>& request, int status) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(rr::kResolveRecipients);
  doc.root.add_text(rr::kStatus, std::to_string(status));
  request->reply_wbxml(doc, status);
}

// Free/busy for each listed recipient, one after the other.
void next_freebusy(const Run& run) {
  if (!run->request->client_alive()) return;
  while (run->next_entry < run->entries.size() &&
         run->next_recipient >= run->entries[run->next_entry].found.size()) {
    ++run->next_entry;
    run->next_recipient = 0;
  }
  if (run->next_entry == run->entries.size()) return reply(run);
  Entry& e = run->entries[run->next_entry];
  const std::string email = e.found[run->next_recipient].email;
  run->request->services.collection_store->freebusy(
      run->request->credentials, email, run->start, run->end,
      [run](Result<std::vector<BusyInterval>> busy) {
    if (!run->request->client_alive()) return;
    Entry& entry = run->entries[run->next_entry];
    if (busy.is_ok()) {
      entry.avail_status.push_back(kRrSuccess);
      entry.freebusy.push_back(merged_free_busy(*busy, run->start, run->end));
    } else {
      log_info(kLog).msg("no free/busy").kv("error", busy.status().to_string());
      entry.avail_status.push_back(busy.status().kind() == ErrorKind::kForbidden ? kAvailForbidden
                                                                                 : kAvailFailed);
      entry.freebusy.emplace_back();
    }
    ++run->next_recipient;
    next_freebusy(run);
  });
}

void resolve(const Run& run, const std::vector<vcard::EasContact>& gal,
             const std::vector<vcard::EasContact>& contacts, size_t max_ambiguous) {
  for (Entry& e : run->entries) {
    std::string to = e.to;
    bool is_address = to.find('@') != std::string::npos;
    std::vector<Resolved> hits;
    auto look = [&](const std::vector<vcard::EasContact>& source, int type) {
      for (const auto& c : source) {
        std::string email = gal_email(c);
        if (email.empty()) continue;
        if (!(is_address ? lower(email) == lower(to) : gal_matches(c, to))) continue;
        // The same address in the GAL and the contacts is one recipient (GAL first).
        bool dup = std::any_of(hits.begin(), hits.end(),
                               [&](const Resolved& h) { return lower(h.email) == lower(email); });
        if (!dup) hits.push_back(Resolved{gal_display_name(c), email, type});
      }
    };
    look(gal, kTypeGal);
    look(contacts, kTypeContact);
    if (hits.empty() && is_address) {
      // An address outside the directory still names a mailbox a message can go to and
      // whose free/busy the DAV server may know: resolved as itself.
      e.found.push_back(Resolved{to, to, kTypeGal});
      continue;
    }
    if (hits.empty()) {
      e.status = kRrUnresolved;
      continue;
    }
    // MS-ASCMD 2.2.3.153.6: several matches are suggestions (Status 2), at most
    // MaxAmbiguousRecipients of them.
    if (hits.size() > 1) e.status = kRrAmbiguous;
    size_t keep = hits.size() > 1 ? std::min(hits.size(), max_ambiguous) : 1;
    e.found.assign(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(keep));
  }
  if (!run->availability || !run->request->services.collection_store) {
    run->availability = false;
    return reply(run);
  }
  next_freebusy(run);
}

// Every card in the user's own address books (one REPORT + one multiget per book). A book
// that cannot be read is skipped: contacts only add suggestions to the GAL's.
void load_contacts(const Run& run, std::vector<vcard::EasContact> gal, size_t max_ambiguous) {
  CollectionStore* dav = run->request->services.collection_store;
  if (!dav) return resolve(run, gal, {}, max_ambiguous);
  dav->list_collections(run->request->credentials,
                        [run, gal = std::move(gal), max_ambiguous](Result<std::vector<DavCollection>> list) {
    if (!run->request->client_alive()) return;
    auto books = std::make_shared<std::vector<std::string>>();
    if (list.is_ok())
      for (const DavCollection& c : *list)
        if (c.kind == CollectionKind::kContacts) books->push_back(c.href);
    auto found = std::make_shared<std::vector<vcard::EasContact>>();
    auto gal_copy = std::make_shared<std::vector<vcard::EasContact>>(gal);
    auto step = std::make_shared<std::function<void(size_t)>>();
    *step = [run, books, found, gal_copy, step, max_ambiguous](size_t i) {
      if (!run->request->client_alive()) {
        *step = nullptr;
        return;
      }
      if (i == books->size()) {
        resolve(run, *gal_copy, *found, max_ambiguous);
        *step = nullptr;  // break the self-reference
        return;
      }
      CollectionStore& store = *run->request->services.collection_store;
      std::string book = (*books)[i];
      store.sync_changes(run->request->credentials, book, "", {},
                         [run, book, found, step, i](Result<DavChanges> changes) {
        if (!run->request->client_alive() || !*step) return;
        std::vector<std::string> hrefs;
        if (changes.is_ok())
          for (const DavItemRef& m : changes->from_listing ? changes->listing : changes->changed)
            hrefs.push_back(m.href);
        if (hrefs.empty()) return (*step)(i + 1);
        run->request->services.collection_store->fetch_items(
            run->request->credentials, book, CollectionKind::kContacts, hrefs,
            [run, found, step, i](Result<std::vector<DavItem>> items) {
          if (!run->request->client_alive() || !*step) return;
          if (items.is_ok())
            for (const DavItem& item : *items)
              if (auto c = vcard::contact_from_vcard(item.body); c.is_ok())
                found->push_back(std::move(c).value());
          (*step)(i + 1);
        });
      });
    };
    (*step)(0);
  });
}

}  // namespace

std::optional<std::chrono::sys_seconds> parse_eas_utc(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::string t(text);
  int used = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) != 6)
    return std::nullopt;
  std::string_view rest = text.substr(static_cast<size_t>(used));
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  }
  if (rest != "Z") return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{s};
}

std::string merged_free_busy(const std::vector<BusyInterval>& busy,
                             std::chrono::sys_seconds start, std::chrono::sys_seconds end) {
  int64_t span = (end - start).count();
  if (span <= 0) return {};
  size_t slots = static_cast<size_t>((span + kSlot - 1) / kSlot);
  std::string out(slots, '0');
  for (const BusyInterval& b : busy) {
    char digit = b.kind == BusyInterval::Kind::kTentative     ? '1'
                 : b.kind == BusyInterval::Kind::kUnavailable ? '3'
                                                              : '2';
    int64_t from = (b.start - start).count();
    int64_t to = (b.end - start).count();
    if (to <= 0 || from >= span) continue;
    size_t first = static_cast<size_t>(std::max<int64_t>(from, 0) / kSlot);
    size_t last = static_cast<size_t>((std::min(to, span) - 1) / kSlot);
    for (size_t i = first; i <= last && i < slots; ++i) out[i] = std::max(out[i], digit);
  }
  return out;
}

void ResolveRecipientsHandler::handle(std::shared_ptr<RequestContext> request) {
  if (!request->body || !request->body->root.is(rr::kResolveRecipients))
    return top_status(request, kRrProtocolError);
  auto run = std::make_shared<RrRun>();
  run->request = request;
  for (const WbxmlElement* to : request->body->root.children_named(rr::kTo)) {
    Entry e;
    e.to = std::string(to->text());
    run->entries.push_back(std::move(e));
  }
  if (run->entries.empty() || run->entries.size() > kMaxTo) return top_status(request, kRrProtocolError);
  size_t max_ambiguous = 19;  // Exchange's default suggestion count
  if (const WbxmlElement* o = request->body->root.child(rr::kOptions)) {
    std::string_view m = o->child_text(rr::kMaxAmbiguousRecipients);
    if (!m.empty()) {
      size_t v = 0;
      for (char c : m) v = std::isdigit(static_cast<unsigned char>(c)) ? v * 10 + static_cast<size_t>(c - '0') : 1000;
      if (v > 100) return top_status(request, kRrProtocolError);
      max_ambiguous = std::max<size_t>(v, 1);
    }
    if (const WbxmlElement* a = o->child(rr::kAvailability)) {
      auto start = parse_eas_utc(a->child_text(rr::kStartTime));
      if (!start) return top_status(request, kRrProtocolError);
      std::string_view end_text = a->child_text(rr::kEndTime);
      // MS-ASCMD 2.2.3.61.1: EndTime defaults to seven days after StartTime.
      auto end = end_text.empty() ? std::optional(*start + std::chrono::days{7}) : parse_eas_utc(end_text);
      if (!end || (*end - *start).count() < kSlot || (*end - *start).count() > kMaxWindow)
        return top_status(request, kRrProtocolError);
      run->availability = true;
      run->start = *start;
      run->end = *end;
    }
  }
  load_gal(request, [run, max_ambiguous](Result<std::vector<vcard::EasContact>> gal) {
    if (!run->request->client_alive()) return;
    if (!gal.is_ok()) {
      // Degraded, not failed: addresses still resolve as themselves and get free/busy;
      // only names go unresolved (Status 4) while the directory cannot be read.
      run->request->services.metrics->record_degraded("gal_unavailable");
      log_warn(kLog).msg("GAL unavailable").kv("error", gal.status().to_string());
      return load_contacts(run, {}, max_ambiguous);
    }
    load_contacts(run, std::move(gal).value(), max_ambiguous);
  });
}

}  // namespace easgate
