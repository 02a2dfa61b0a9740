#include "gateway/commands/item_operations_request.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace asb = tag::air_sync_base;
namespace io = tag::item_operations;
namespace se = tag::search;

ItemOperation parse_fetch(const WbxmlElement& e) {
  ItemOperation op;
  op.kind = ItemOperationKind::kFetch;
  op.store = std::string(e.child_text(io::kStore));
  int named = 0;
  if (const WbxmlElement* f = e.child(asb::kFileReference)) {
    op.target = FetchTarget::kFileReference;
    op.file_reference = std::string(f->text());
    ++named;
  }
  if (const WbxmlElement* l = e.child(se::kLongId)) {
    op.target = FetchTarget::kLongId;
    op.long_id = std::string(l->text());
    ++named;
  }
  if (const WbxmlElement* s = e.child(as::kServerId)) {
    op.target = FetchTarget::kItem;
    op.server_id = std::string(s->text());
    op.collection_id = std::string(e.child_text(as::kCollectionId));
    ++named;
  }
  // MS-ASCMD 2.2.3.67.1: exactly one of FileReference, LongId, ServerId (or LinkId).
  if (named != 1) op.parse_status = kItemOpsProtocolError;
  if (op.target == FetchTarget::kItem && op.collection_id.empty())
    op.parse_status = kItemOpsProtocolError;
  if (op.store.empty()) op.parse_status = kItemOpsProtocolError;
  if (const WbxmlElement* o = e.child(io::kOptions)) {
    op.options = o;
    if (const WbxmlElement* r = o->child(io::kRange)) {
      op.range = parse_index_range(r->text());
      if (!op.range) op.parse_status = kItemOpsBadByteRange;
    }
  }
  return op;
}

}  // namespace

std::vector<ItemOperation> parse_item_operations(const WbxmlElement& root) {
  std::vector<ItemOperation> ops;
  for (const auto& e : root.children()) {
    if (ops.size() == kMaxItemOperations) break;
    if (e.is(io::kFetch)) {
      ops.push_back(parse_fetch(e));
    } else if (e.is(io::kEmptyFolderContents)) {
      ItemOperation op;
      op.kind = ItemOperationKind::kEmptyFolderContents;
      op.collection_id = std::string(e.child_text(as::kCollectionId));
      if (const WbxmlElement* o = e.child(io::kOptions))
        op.delete_subfolders = o->child(io::kDeleteSubFolders) != nullptr;
      if (op.collection_id.empty()) op.parse_status = kItemOpsProtocolError;
      ops.push_back(std::move(op));
    } else if (e.is(io::kMove)) {
      ItemOperation op;
      op.kind = ItemOperationKind::kMove;
      // MS-ASCON 2.2.2.3.1: a byte array, sent as opaque data (or text by some clients).
      if (const WbxmlElement* id = e.child(io::kConversationId))
        op.conversation_id = std::string(id->content());
      op.destination = std::string(e.child_text(io::kDstFldId));
      if (const WbxmlElement* o = e.child(io::kOptions))
        op.move_always = o->child(io::kMoveAlways) != nullptr;
      if (op.conversation_id.empty() || op.destination.empty())
        op.parse_status = kItemOpsProtocolError;
      ops.push_back(std::move(op));
    }
  }
  return ops;
}

std::string encode_multipart(std::string_view wbxml, const std::vector<std::string>& parts) {
  auto put32 = [](std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  const uint32_t count = static_cast<uint32_t>(parts.size() + 1);
  std::string out;
  size_t total = 4 + 8 * count + wbxml.size();
  for (const auto& p : parts) total += p.size();
  out.reserve(total);
  put32(out, count);
  uint32_t offset = 4 + 8 * count;
  put32(out, offset);
  put32(out, static_cast<uint32_t>(wbxml.size()));
  offset += static_cast<uint32_t>(wbxml.size());
  for (const auto& p : parts) {
    put32(out, offset);
    put32(out, static_cast<uint32_t>(p.size()));
    offset += static_cast<uint32_t>(p.size());
  }
  out.append(wbxml);
  for (const auto& p : parts) out.append(p);
  return out;
}

}  // namespace easgate
