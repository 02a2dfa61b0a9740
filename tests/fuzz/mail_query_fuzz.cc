// Search, Find and ItemOperations request bodies are untrusted WBXML: decoding them and
// taking them apart (queries, ranges, dates, fetch targets) must never crash, and what the
// parsers accept must hold their promises. The raw bytes also go through the Range and
// dateTime parsers directly, and ApplicationData through the draft / SMS composer and the
// draft Change merge.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "backends/mime/mime_message.h"
#include "gateway/commands/client_email_item.h"
#include "gateway/commands/item_operations_request.h"
#include "gateway/commands/search_query.h"
#include "gateway/eas/wbxml/wbxml_decoder.h"

using namespace easgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto r = parse_index_range(input)) {
    if (r->first > r->last) abort();
    if (parse_index_range(format_index_range(r->first, r->last))->last != r->last) abort();
  }
  (void)parse_eas_datetime(input);
  auto doc = decode_wbxml(input);
  if (!doc.is_ok()) return 0;
  const WbxmlElement& root = doc->root;
  if (const WbxmlElement* store = root.child(tag::search::kStore)) {
    ParsedMailboxSearch p = parse_search_store(*store);
    if (p.status == kSearchSuccess && p.request.rows.last - p.request.rows.first >= kMaxSearchRows)
      abort();
  }
  ParsedMailboxSearch f = parse_find_request(root);
  if (f.status == kFindSuccess && f.request.query.text.empty()) abort();
  auto ops = parse_item_operations(root);
  if (ops.size() > kMaxItemOperations) abort();
  std::vector<std::string> parts;
  for (const auto& op : ops) {
    if (op.range && op.range->first > op.range->last) abort();
    parts.push_back(op.file_reference);
  }
  // A device-written draft / SMS: whatever parses must compose into a parsable message.
  for (const WbxmlElement* e : {&root, root.children().empty() ? &root : &root.children()[0]}) {
    auto item = parse_client_email_item(*e, "SMS");
    if (!item.is_ok()) continue;
    std::string raw = compose_client_email(*item, "alice@example.test", 0);
    if (!mime::MimeMessage::parse(raw).is_ok()) abort();
    // A 16.0 draft Change laid over the stored draft it read back: composes again.
    auto stored = client_email_item_from_message(raw);
    if (!stored.is_ok()) abort();
    if (apply_client_email_change(*e, "1:1", &stored.value()).is_ok() &&
        !mime::MimeMessage::parse(compose_client_email(*stored, "alice@example.test", 0)).is_ok())
      abort();
  }
  std::string framed = encode_multipart(input, parts);
  if (framed.size() < 4 + 8 * (parts.size() + 1) + input.size()) abort();
  return 0;
}
