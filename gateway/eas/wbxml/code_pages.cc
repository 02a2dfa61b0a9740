#include "gateway/eas/wbxml/code_pages.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

namespace easgate {
namespace {

constexpr TagInfo kTable[] = {
#include "gateway/eas/wbxml/code_pages_table.inc"
};

struct PageName {
  const char* name;    // XML namespace as EAS writes it (MS-ASCMD schemas)
  const char* prefix;  // prefix used by to_xml
};

// MS-ASWBXML 2.1.2.1: page number -> namespace. MS-ASCMD's schemas name page 16 "Gal";
// MS-ASWBXML titles it "GAL"; lookups are case-insensitive so both are accepted.
constexpr PageName kPages[kMaxCodePage + 1] = {
    {"AirSync", "airsync"},
    {"Contacts", "contacts"},
    {"Email", "email"},
    {"AirNotify", "airnotify"},
    {"Calendar", "calendar"},
    {"Move", "move"},
    {"GetItemEstimate", "getitemestimate"},
    {"FolderHierarchy", "folderhierarchy"},
    {"MeetingResponse", "meetingresponse"},
    {"Tasks", "tasks"},
    {"ResolveRecipients", "resolverecipients"},
    {"ValidateCert", "validatecert"},
    {"Contacts2", "contacts2"},
    {"Ping", "ping"},
    {"Provision", "provision"},
    {"Search", "search"},
    {"Gal", "gal"},
    {"AirSyncBase", "airsyncbase"},
    {"Settings", "settings"},
    {"DocumentLibrary", "documentlibrary"},
    {"ItemOperations", "itemoperations"},
    {"ComposeMail", "composemail"},
    {"Email2", "email2"},
    {"Notes", "notes"},
    {"RightsManagement", "rightsmanagement"},
    {"Find", "find"},
};

// Direct index: [page][token] -> row + 1 (0 = undefined). Built once at first use; 26*64
// shorts, so a lookup is two array reads.
struct Index {
  std::array<std::array<uint16_t, 64>, kMaxCodePage + 1> row{};
  Index() {
    for (size_t i = 0; i < std::size(kTable); ++i) {
      row[kTable[i].page][kTable[i].token & 0x3F] = static_cast<uint16_t>(i + 1);
    }
  }
};

const Index& index() {
  static const Index kIndex;
  return kIndex;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

const TagInfo* find_tag(Tag tag) {
  if (tag.page > kMaxCodePage || tag.token > 0x3F) return nullptr;
  uint16_t r = index().row[tag.page][tag.token];
  return r ? &kTable[r - 1] : nullptr;
}

int code_page_for_namespace(std::string_view ns) {
  if (!ns.empty() && ns.back() == ':') ns.remove_suffix(1);
  // libwbxml's older AIRSYNC language names pages by URI, e.g.
  // "http://synce.org/formats/airsync_wm5/airsyncbase"; the last segment is the page.
  constexpr std::string_view kSynce = "http://synce.org/formats/airsync_wm5/";
  if (ns.substr(0, kSynce.size()) == kSynce) ns.remove_prefix(kSynce.size());
  for (int p = 0; p <= kMaxCodePage; ++p) {
    if (iequals(ns, kPages[p].name)) return p;
  }
  return -1;
}

const TagInfo* find_tag(std::string_view ns, std::string_view name) {
  int page = code_page_for_namespace(ns);
  if (page < 0) return nullptr;
  for (uint8_t t = 0; t < 64; ++t) {
    const TagInfo* info = find_tag(Tag{static_cast<uint8_t>(page), t});
    if (info == nullptr) continue;
    if (name == info->name || (info->alias != nullptr && name == info->alias)) return info;
  }
  return nullptr;
}

const char* code_page_namespace(uint8_t page) {
  return page <= kMaxCodePage ? kPages[page].name : nullptr;
}

const char* code_page_prefix(uint8_t page) {
  return page <= kMaxCodePage ? kPages[page].prefix : nullptr;
}

TagTable all_tags() { return {std::begin(kTable), std::end(kTable)}; }

std::string_view tag_display_name(Tag tag, char (&buffer)[64]) {
  const TagInfo* info = find_tag(tag);
  int n = info ? std::snprintf(buffer, sizeof buffer, "%s:%s", kPages[tag.page].name, info->name)
               : std::snprintf(buffer, sizeof buffer, "page %u token 0x%02X",
                               static_cast<unsigned>(tag.page), static_cast<unsigned>(tag.token));
  if (n < 0) n = 0;
  return std::string_view(buffer, std::min<size_t>(static_cast<size_t>(n), sizeof buffer - 1));
}

}  // namespace easgate
