#pragma once
// What a DAV collection's SyncKey generation remembers besides its item map
// (CollectionGeneration::cursor and ::pending_window), and its text encoding. Pure.
//
// The cursor is the RFC 6578 sync-token plus the version (ETag) of every member the device
// holds. The ETags serve three rules of DESIGN.md "Sync engine" at once: a client Change is
// written with If-Match on the version the device saw (a server change meanwhile is a
// conflict, never a silent overwrite); a member reported changed whose ETag is the one the
// device already has (our own write) is not echoed; and a refused token (RFC 6578 3.2) or
// a server without sync-collection is recovered by diffing a listing, not by a resync.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace easgate {

// The backend cursor of a DAV collection.
struct DavCursor {
  // RFC 6578 sync-token the collected changes reach; empty: start from nothing.
  std::string sync_token;
  // href -> ETag of every member the device holds at this generation.
  std::map<std::string, std::string> known;

  friend bool operator==(const DavCursor&, const DavCursor&) = default;
};

// Changes collected but not yet sent (the MoreAvailable list).
struct DavPendingWindow {
  // Hrefs removed on the server still to be sent as Delete.
  std::vector<std::string> removed;
  // Hrefs added or changed on the server still to be sent (Add when not in `known`).
  std::vector<std::string> changed;

  // True when nothing is left to send.
  bool empty() const { return removed.empty() && changed.empty(); }
  friend bool operator==(const DavPendingWindow&, const DavPendingWindow&) = default;
};

std::string encode_dav_cursor(const DavCursor& cursor);
// nullopt for text encode_dav_cursor did not make (a corrupt store row). Empty text is an
// empty cursor (the generation right after SyncKey 0).
std::optional<DavCursor> decode_dav_cursor(std::string_view text);

std::string encode_dav_pending_window(const DavPendingWindow& window);
// nullopt for text encode_dav_pending_window did not make. Empty text is an empty window.
std::optional<DavPendingWindow> decode_dav_pending_window(std::string_view text);

// Adds `href` to `list` unless it is there already (keeps the first position).
void append_unique(std::vector<std::string>& list, const std::string& href);

}  // namespace easgate
