#include "gateway/sync/dav_sync_state.h"

#include <algorithm>

namespace easgate {
namespace {

// Format: a version line, then one record per line; fields are separated by a TAB. Hrefs,
// ETags and sync-tokens never hold TAB or LF (RFC 3986 / RFC 7232 / RFC 6578 URIs and
// quoted strings); a value that does would be refused on decode, never mis-split.
constexpr std::string_view kCursorMagic = "dav1";
constexpr std::string_view kWindowMagic = "davw1";

bool clean(std::string_view v) {
  return v.find('\t') == std::string_view::npos && v.find('\n') == std::string_view::npos;
}

// Splits `text` into lines (the last may lack its LF).
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace

std::string encode_dav_cursor(const DavCursor& cursor) {
  std::string out(kCursorMagic);
  out += '\n';
  out += 't';
  out += '\t';
  out += clean(cursor.sync_token) ? cursor.sync_token : std::string();
  out += '\n';
  for (const auto& [href, etag] : cursor.known) {
    if (!clean(href) || !clean(etag)) continue;
    out += "k\t" + href + '\t' + etag + '\n';
  }
  return out;
}

std::optional<DavCursor> decode_dav_cursor(std::string_view text) {
  DavCursor cursor;
  if (text.empty()) return cursor;
  auto lines = lines_of(text);
  if (lines.empty() || lines[0] != kCursorMagic) return std::nullopt;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (l.size() < 2 || l[1] != '\t') return std::nullopt;
    std::string_view rest = l.substr(2);
    if (l[0] == 't') {
      if (!clean(rest)) return std::nullopt;
      cursor.sync_token = std::string(rest);
    } else if (l[0] == 'k') {
      size_t tab = rest.find('\t');
      if (tab == std::string_view::npos || tab == 0 || !clean(rest.substr(tab + 1)))
        return std::nullopt;
      cursor.known[std::string(rest.substr(0, tab))] = std::string(rest.substr(tab + 1));
    } else {
      return std::nullopt;
    }
  }
  return cursor;
}

std::string encode_dav_pending_window(const DavPendingWindow& window) {
  if (window.empty()) return {};
  std::string out(kWindowMagic);
  out += '\n';
  for (const auto& h : window.removed)
    if (clean(h) && !h.empty()) out += "d\t" + h + '\n';
  for (const auto& h : window.changed)
    if (clean(h) && !h.empty()) out += "c\t" + h + '\n';
  return out;
}

std::optional<DavPendingWindow> decode_dav_pending_window(std::string_view text) {
  DavPendingWindow window;
  if (text.empty()) return window;
  auto lines = lines_of(text);
  if (lines.empty() || lines[0] != kWindowMagic) return std::nullopt;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (l.size() < 3 || l[1] != '\t') return std::nullopt;
    if (!clean(l.substr(2))) return std::nullopt;
    std::string href(l.substr(2));
    if (l[0] == 'd') window.removed.push_back(std::move(href));
    else if (l[0] == 'c') window.changed.push_back(std::move(href));
    else return std::nullopt;
  }
  return window;
}

void append_unique(std::vector<std::string>& list, const std::string& href) {
  if (std::find(list.begin(), list.end(), href) == list.end()) list.push_back(href);
}

}  // namespace easgate
