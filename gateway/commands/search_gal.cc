#include "gateway/commands/search_gal.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "backends/api/collection_store.h"
#include "gateway/commands/search_query.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

namespace se = tag::search;
namespace gal = tag::gal;

constexpr char kLog[] = "search_gal";
constexpr int kSearchCommandSuccess = 1;

// MS-ASCMD 2.2.3.177.16 (Picture Status in a GAL result).
enum GalPictureStatus : int {
  kPictureSuccess = 1,      // the picture is in Data
  kPictureNone = 173,       // the entry has no picture
  kPictureTooLarge = 174,   // larger than MaxSize
  kPictureLimitHit = 175,   // MaxPictures already sent in this response
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool starts_with_ci(std::string_view text, const std::string& lowered_query) {
  return !lowered_query.empty() && lower(text.substr(0, lowered_query.size())) == lowered_query;
}

// A decimal count; 0 (no limit) when absent or unreadable.
uint64_t parse_u64(std::string_view text) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && p == text.data() + text.size() ? v : 0;
}

size_t base64_decoded_size(const std::string& b64) {
  size_t pad = 0;
  if (!b64.empty() && b64.back() == '=') ++pad;
  if (b64.size() > 1 && b64[b64.size() - 2] == '=') ++pad;
  return b64.size() / 4 * 3 - pad;
}

void reply(const std::shared_ptr<RequestContext>& request, int store_status,
           std::vector<WbxmlElement> results, std::optional<IndexRange> range, size_t total) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(se::kSearch);
  doc.root.add_text(se::kStatus, std::to_string(kSearchCommandSuccess));
  WbxmlElement& store = doc.root.add_child(se::kResponse).add_child(se::kStore);
  store.add_text(se::kStatus, std::to_string(store_status));
  if (store_status == kSearchSuccess) {
    // MS-ASCMD 2.2.3.155.2: no match is one empty Result and Total 0.
    if (results.empty()) store.add_child(se::kResult);
    for (auto& r : results) store.mutable_children().push_back(std::move(r));
    if (range) store.add_text(se::kRange, format_index_range(range->first, range->last));
    store.add_text(se::kTotal, std::to_string(total));
  }
  request->reply_wbxml(doc, store_status);
}

}  // namespace

std::string gal_display_name(const vcard::EasContact& c) {
  if (!c.file_as.empty()) return c.file_as;
  std::string n = c.first_name;
  if (!c.last_name.empty()) n += (n.empty() ? "" : " ") + c.last_name;
  if (!n.empty()) return n;
  return gal_email(c);
}

std::string gal_email(const vcard::EasContact& c) {
  std::string_view a = c.email1_address;
  size_t lt = a.find('<');
  if (lt != std::string_view::npos) {
    size_t gt = a.find('>', lt);
    return std::string(a.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1));
  }
  while (!a.empty() && a.front() == ' ') a.remove_prefix(1);
  while (!a.empty() && a.back() == ' ') a.remove_suffix(1);
  return std::string(a);
}

bool gal_matches(const vcard::EasContact& c, std::string_view query) {
  std::string q = lower(query);
  while (!q.empty() && q.back() == ' ') q.pop_back();
  while (!q.empty() && q.front() == ' ') q.erase(q.begin());
  if (q.empty()) return false;
  std::string display = gal_display_name(c);
  if (starts_with_ci(display, q) || starts_with_ci(c.first_name, q) ||
      starts_with_ci(c.last_name, q) || starts_with_ci(gal_email(c), q))
    return true;
  for (size_t i = 0; i < display.size(); ++i)
    if (display[i] == ' ' && starts_with_ci(std::string_view(display).substr(i + 1), q)) return true;
  return false;
}

void append_gal_properties(const vcard::EasContact& c, ProtocolVersion version,
                           const GalPictureOptions& picture, uint64_t* pictures_sent,
                           WbxmlElement& p) {
  auto put = [&p](Tag t, const std::string& v) {
    if (!v.empty()) p.add_text(t, v);
  };
  put(gal::kDisplayName, gal_display_name(c));
  put(gal::kPhone, c.business_phone);
  put(gal::kOffice, c.office_location);
  put(gal::kTitle, c.job_title);
  put(gal::kCompany, c.company_name);
  std::string email = gal_email(c);
  put(gal::kAlias, c.alias.empty() ? email.substr(0, email.find('@')) : c.alias);
  put(gal::kFirstName, c.first_name);
  put(gal::kLastName, c.last_name);
  put(gal::kHomePhone, c.home_phone);
  put(gal::kMobilePhone, c.mobile_phone);
  put(gal::kEmailAddress, email);
  // MS-ASCMD 2.2.3.135.2: Picture exists from 14.1 on, only when the request asked.
  if (!picture.wanted || version < ProtocolVersion::v14_1()) return;
  WbxmlElement& pic = p.add_child(gal::kPicture);
  if (c.picture.empty()) {
    pic.add_text(gal::kStatus, std::to_string(kPictureNone));
  } else if (picture.max_size > 0 && base64_decoded_size(c.picture) > picture.max_size) {
    pic.add_text(gal::kStatus, std::to_string(kPictureTooLarge));
  } else if (picture.max_pictures > 0 && *pictures_sent >= picture.max_pictures) {
    pic.add_text(gal::kStatus, std::to_string(kPictureLimitHit));
  } else {
    pic.add_text(gal::kStatus, std::to_string(kPictureSuccess));
    pic.add_text(gal::kData, c.picture);
    ++*pictures_sent;
  }
}

namespace {

std::vector<vcard::EasContact> parse_cards(const std::vector<DavItem>& items) {
  std::vector<vcard::EasContact> out;
  for (const DavItem& item : items) {
    auto c = vcard::contact_from_vcard(item.body);
    if (c.is_ok()) out.push_back(std::move(c).value());
  }
  return out;
}

// The whole book: one sync-collection listing, one multiget.
void read_whole_book(const std::shared_ptr<RequestContext>& request, const std::string& href,
                     std::function<void(Result<std::vector<vcard::EasContact>>)> done) {
  request->services.collection_store->sync_changes(
      request->credentials, href, "", {}, [request, href, done](Result<DavChanges> changes) {
    if (!request->client_alive()) return;
    if (!changes.is_ok()) return done(changes.status());
    std::vector<std::string> hrefs;
    for (const DavItemRef& m : changes->from_listing ? changes->listing : changes->changed)
      hrefs.push_back(m.href);
    if (hrefs.empty()) return done(std::vector<vcard::EasContact>{});
    request->services.collection_store->fetch_items(
        request->credentials, href, CollectionKind::kContacts, hrefs,
        [request, done](Result<std::vector<DavItem>> items) {
      if (!request->client_alive()) return;
      if (!items.is_ok()) return done(items.status());
      done(parse_cards(*items));
    });
  });
}

}  // namespace

void load_cards(const std::shared_ptr<RequestContext>& request, const std::string& book_href,
                std::vector<std::string> texts,
                std::function<void(Result<std::vector<vcard::EasContact>>)> done) {
  DavTextQuery query;
  query.match = DavTextQuery::Match::kContains;
  for (std::string& t : texts) {
    while (!t.empty() && t.back() == ' ') t.pop_back();
    while (!t.empty() && t.front() == ' ') t.erase(t.begin());
    if (t.empty()) continue;
    // FN and EMAIL carry every name and address gal_matches looks at (N's parts are in
    // FN on every card a client writes). N itself is left out: Radicale 3.1 answers 500
    // to a text-match on a structured property.
    query.terms.push_back({"FN", t});
    query.terms.push_back({"EMAIL", t});
  }
  if (query.terms.empty()) return read_whole_book(request, book_href, std::move(done));
  request->services.collection_store->query_items(
      request->credentials, book_href, CollectionKind::kContacts, query,
      [request, book_href, done](Result<std::vector<DavItem>> items) {
    if (!request->client_alive()) return;
    if (items.is_ok()) return done(parse_cards(*items));
    if (items.status().kind() != ErrorKind::kUnsupported) {
      // A server that has the REPORT but failed it (some refuse a filter they do not
      // support with a plain 400/500): the whole book still answers the search.
      request->services.metrics->record_degraded("dav_query_failed");
      if (first_time_for_cause("gal_query_failed")) {
        log_warn(kLog).msg("addressbook-query failed; reading the whole book")
            .kv("error", items.status().to_string());
      }
    }
    read_whole_book(request, book_href, done);
  });
}

void load_gal(const std::shared_ptr<RequestContext>& request, std::vector<std::string> texts,
              std::function<void(Result<std::vector<vcard::EasContact>>)> done) {
  const std::string href = request->services.config->directory.carddav_href;
  // No directory configured: an empty GAL (the caller answers "no match").
  if (href.empty() || !request->services.collection_store)
    return done(std::vector<vcard::EasContact>{});
  load_cards(request, href, std::move(texts), std::move(done));
}

void search_gal(std::shared_ptr<RequestContext> request, const WbxmlElement& store) {
  std::string query(store.child_text(se::kQuery));
  std::optional<IndexRange> range = IndexRange{0, kMaxSearchRows - 1};
  GalPictureOptions picture;
  if (const WbxmlElement* o = store.child(se::kOptions)) {
    if (const WbxmlElement* r = o->child(se::kRange)) {
      range = parse_index_range(r->text());
      if (!range) return reply(request, kSearchInvalidRequest, {}, std::nullopt, 0);
    }
    if (const WbxmlElement* p = o->child(se::kPicture)) {
      picture.wanted = true;
      picture.max_size = parse_u64(p->child_text(se::kMaxSize));
      picture.max_pictures = parse_u64(p->child_text(se::kMaxPictures));
    }
  }
  if (query.empty()) return reply(request, kSearchInvalidRequest, {}, std::nullopt, 0);
  uint32_t cap = request->services.config->directory.max_results;
  if (range->last - range->first + 1 > cap) range->last = range->first + cap - 1;
  load_gal(request, {query}, [request, query, range, picture](Result<std::vector<vcard::EasContact>> all) {
    if (!all.is_ok()) {
      log_warn(kLog).msg("GAL unavailable").kv("error", all.status().to_string());
      return reply(request, kSearchServerError, {}, std::nullopt, 0);
    }
    std::vector<const vcard::EasContact*> hits;
    for (const auto& c : *all)
      if (gal_matches(c, query)) hits.push_back(&c);
    std::stable_sort(hits.begin(), hits.end(), [](auto* a, auto* b) {
      return lower(gal_display_name(*a)) < lower(gal_display_name(*b));
    });
    std::vector<WbxmlElement> results;
    uint64_t pictures = 0;
    ProtocolVersion version = request->eas->version;
    for (uint64_t i = range->first; i <= range->last && i < hits.size(); ++i) {
      WbxmlElement r(se::kResult);
      append_gal_properties(*hits[i], version, picture, &pictures, r.add_child(se::kProperties));
      results.push_back(std::move(r));
    }
    std::optional<IndexRange> sent;
    if (!results.empty()) sent = IndexRange{range->first, range->first + results.size() - 1};
    reply(request, kSearchSuccess, std::move(results), sent, hits.size());
  });
}

}  // namespace easgate
