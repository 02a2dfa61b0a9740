#pragma once
// The EAS WBXML code pages (MS-ASWBXML 2.1.2.1, protocol 16.1): every tag token with its
// spec name, the XML namespace EAS uses for the page, and which elements carry OPAQUE data.
// The table itself is data (code_pages.txt -> code_pages_table.inc via gen_tags.py).
// All functions are pure lookups over static data: thread-safe, no allocation.

#include <cstdint>
#include <string_view>

namespace easgate {

// Identity of an EAS element: code page and tag token (low 6 bits of a WBXML tag byte).
struct Tag {
  uint8_t page = 0;   // code page 0..25 (MS-ASWBXML 2.1.2.1)
  uint8_t token = 0;  // tag token 0x05..0x3F, without the content/attribute bits

  friend constexpr bool operator==(Tag a, Tag b) = default;
};

// Highest code page EAS 16.1 defines (25: Find).
inline constexpr uint8_t kMaxCodePage = 25;

// One row of the table.
struct TagInfo {
  uint8_t page;        // code page
  uint8_t token;       // tag token
  const char* name;    // spec name, e.g. "SMTPAddress"
  const char* alias;   // libwbxml's spelling when it differs (e.g. "SmtpAddress"), else nullptr
  bool opaque;         // the spec types the content as bytes sent as OPAQUE (ComposeMail:Mime)
};

// Spec information for a tag, or nullptr when the page/token pair is not defined.
const TagInfo* find_tag(Tag tag);
inline const TagInfo* find_tag(uint8_t page, uint8_t token) { return find_tag(Tag{page, token}); }

// Tag by XML namespace and element name. The namespace is the EAS name ("AirSync",
// "FolderHierarchy", "AirSyncBase"...); a trailing ':' (libwbxml's form) and case
// differences in the namespace are accepted. The element name matches the spec name or the
// libwbxml alias exactly. nullptr when unknown.
const TagInfo* find_tag(std::string_view namespace_name, std::string_view tag_name);

// Namespace name of a page ("AirSync" for 0), or nullptr for an undefined page.
const char* code_page_namespace(uint8_t page);

// Page number for a namespace name (same leniency as find_tag); -1 when unknown.
int code_page_for_namespace(std::string_view namespace_name);

// Short lowercase prefix used in rendered XML for a page ("airsync", "folderhierarchy").
const char* code_page_prefix(uint8_t page);

// Whole table, ordered by (page, token); for tests and tools.
struct TagTable {
  const TagInfo* begin;  // first row
  const TagInfo* end;    // one past the last row
};
TagTable all_tags();

// "FolderHierarchy:FolderSync" or "page 7 token 0x3F" for undefined tags; for messages.
std::string_view tag_display_name(Tag tag, char (&buffer)[64]);

}  // namespace easgate
