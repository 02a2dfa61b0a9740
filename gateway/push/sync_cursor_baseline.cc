#include "gateway/push/sync_cursor_baseline.h"

#include <charconv>
#include <cstdint>

#include "gateway/sync/dav_sync_state.h"
#include "gateway/sync/email_sync_state.h"

namespace easgate {
namespace {

// "UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ/MESSAGES" as written by the mail probe.
struct MailMarker {
  uint64_t uidvalidity = 0;    // IMAP UIDVALIDITY
  uint64_t uidnext = 0;        // IMAP UIDNEXT
  uint64_t highestmodseq = 0;  // RFC 7162 HIGHESTMODSEQ; 0 without CONDSTORE
  uint64_t messages = 0;       // IMAP MESSAGES
};

std::optional<MailMarker> parse_mail_marker(std::string_view text) {
  uint64_t parts[4] = {};
  for (int i = 0; i < 4; ++i) {
    size_t slash = i < 3 ? text.find('/') : text.size();
    if (slash == std::string_view::npos) return std::nullopt;
    std::string_view part = text.substr(0, slash);
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), parts[i]);
    if (ec != std::errc() || end != part.data() + part.size() || part.empty())
      return std::nullopt;
    text.remove_prefix(i < 3 ? slash + 1 : slash);
  }
  return MailMarker{parts[0], parts[1], parts[2], parts[3]};
}

}  // namespace

std::optional<CursorBaseline> cursor_baseline(FolderBackend backend,
                                              const CollectionGeneration& generation) {
  CursorBaseline out;
  if (backend == FolderBackend::kMail) {
    auto cursor = decode_cursor(generation.cursor);
    auto pending = decode_pending_window(generation.pending_window);
    if (!cursor || !pending) return std::nullopt;
    out.marker = generation.folder_identity + "/" + std::to_string(cursor->uidnext) + "/" +
                 std::to_string(cursor->highestmodseq) + "/" +
                 std::to_string(cursor->messages);
    if (!parse_mail_marker(out.marker)) return std::nullopt;  // identity not a UIDVALIDITY
    out.pending = !pending->empty();
    return out;
  }
  auto cursor = decode_dav_cursor(generation.cursor);
  auto pending = decode_dav_pending_window(generation.pending_window);
  if (!cursor || !pending) return std::nullopt;
  out.marker = cursor->sync_token;  // "" (no RFC 6578 token): read at Ping start instead
  out.pending = !pending->empty();
  return out;
}

bool marker_moved(FolderBackend backend, std::string_view baseline, std::string_view current) {
  if (backend == FolderBackend::kDav) return baseline != current;
  auto b = parse_mail_marker(baseline);
  auto c = parse_mail_marker(current);
  if (!b || !c) return baseline != current;
  if (b->uidvalidity != c->uidvalidity) return true;
  if (b->highestmodseq != 0 && c->highestmodseq != 0)
    return c->highestmodseq != b->highestmodseq;
  return b->uidnext != c->uidnext || b->messages != c->messages;
}

}  // namespace easgate
