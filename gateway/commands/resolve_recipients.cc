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
  kCertNone = 7,            // Certificates: the recipient has no valid S/MIME certificate
  kCertLimitHit = 8,        // Certificates: MaxCertificates reached, none returned
};

// MS-ASCMD 2.2.3.22 CertificateRetrieval.
enum class CertificateRetrieval : uint8_t {
  kNone = 1,  // do not retrieve (the default)
  kFull = 2,  // the full certificate of each resolved recipient
  kMini = 3,  // the mini certificate of each resolved recipient
};

// MS-ASCMD 2.2.3.170.2 Type: where the recipient was found.
constexpr int kTypeGal = 1;
constexpr int kTypeContact = 2;

struct Resolved {
  std::string display_name;  // DisplayName
  std::string email;         // EmailAddress
  int type = kTypeGal;       // Type
  std::vector<std::string> certificates;  // the card's KEY X.509 certificates (base64 DER)
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
  CertificateRetrieval certificates = CertificateRetrieval::kNone;  // Options
  uint64_t max_certificates = 9999;  // Options/MaxCertificates (0-9999)
  size_t next_entry = 0;      // free/busy walk position
  size_t next_recipient = 0;
};
using Run = std::shared_ptr<RrRun>;

// What the server is asked for: every To, names and addresses alike.
std::vector<std::string> to_texts(const Run& run) {
  std::vector<std::string> out;
  for (const Entry& e : run->entries) out.push_back(e.to);
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// MS-ASCMD 2.2.3.23.1 Certificates of one recipient. A vCard has no mini certificate
// (an Exchange directory attribute), so kMini returns the first certificate as it is.
void add_certificates(const Resolved& r, CertificateRetrieval how, uint64_t max, uint64_t* sent,
                      WbxmlElement& recipient) {
  WbxmlElement& c = recipient.add_child(rr::kCertificates);
  const uint64_t n = how == CertificateRetrieval::kMini ? std::min<uint64_t>(r.certificates.size(), 1)
                                                        : r.certificates.size();
  if (n == 0) {
    c.add_text(rr::kStatus, std::to_string(kCertNone));
    c.add_text(rr::kCertificateCount, "0");
    return;
  }
  if (*sent + n > max) {
    // MS-ASCMD 2.2.3.101: no recipient gets a partial set; the count says what was held back.
    c.add_text(rr::kStatus, std::to_string(kCertLimitHit));
    c.add_text(rr::kCertificateCount, std::to_string(n));
    return;
  }
  *sent += n;
  c.add_text(rr::kStatus, std::to_string(kRrSuccess));
  c.add_text(rr::kCertificateCount, std::to_string(n));
  c.add_text(rr::kRecipientCount, "1");
  for (uint64_t i = 0; i < n; ++i) {
    c.add_text(how == CertificateRetrieval::kMini ? rr::kMiniCertificate : rr::kCertificate,
               r.certificates[i]);
  }
}

void reply(const Run& run) {
  uint64_t certificates_sent = 0;
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
        if (e.avail_status[i] != kAvailFailed && e.avail_status[i] != kAvailForbidden)
          a.add_text(rr::kMergedFreeBusy, e.freebusy[i]);
      }
      // MS-ASCMD 2.2.3.145: Certificates follows Availability.
      if (run->certificates != CertificateRetrieval::kNone) {
        add_certificates(e.found[i], run->certificates, run->max_certificates, &certificates_sent, r);
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
        if (!dup) hits.push_back(Resolved{gal_display_name(c), email, type, c.certificates});
      }
    };
    look(gal, kTypeGal);
    look(contacts, kTypeContact);
    if (hits.empty() && is_address) {
      // An address outside the directory still names a mailbox a message can go to and
      // whose free/busy the DAV server may know: resolved as itself.
      e.found.push_back(Resolved{to, to, kTypeGal, {}});
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

// The cards of the user's own address books that may match a To (one addressbook-query
// per book, or a listing + multiget where the server has none). A book that cannot be
// read is skipped: contacts only add suggestions to the GAL's.
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
      std::string book = (*books)[i];
      load_cards(run->request, book, to_texts(run),
                 [run, found, step, i](Result<std::vector<vcard::EasContact>> cards) {
        if (!run->request->client_alive() || !*step) return;
        if (cards.is_ok())
          for (auto& c : *cards) found->push_back(std::move(c));
        (*step)(i + 1);
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
    std::string_view cr = o->child_text(rr::kCertificateRetrieval);
    if (!cr.empty()) {
      if (cr != "1" && cr != "2" && cr != "3") return top_status(request, kRrProtocolError);
      run->certificates = static_cast<CertificateRetrieval>(cr[0] - '0');
    }
    std::string_view mc = o->child_text(rr::kMaxCertificates);
    if (!mc.empty()) {
      uint64_t v = 0;
      for (char c : mc) v = std::isdigit(static_cast<unsigned char>(c)) ? v * 10 + static_cast<uint64_t>(c - '0') : 100000;
      // MS-ASCMD 2.2.3.101: 0-9999.
      if (v > 9999) return top_status(request, kRrProtocolError);
      run->max_certificates = v;
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
  load_gal(request, to_texts(run), [run, max_ambiguous](Result<std::vector<vcard::EasContact>> gal) {
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
