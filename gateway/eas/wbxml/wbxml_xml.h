#pragma once
// Readable XML form of an EAS WBXML tree, for logs, tests and tools (never on the wire).
//
// Rendering (to_xml): the root carries xmlns="<its page>" and one xmlns:<prefix> per other
// page in the tree; elements of other pages are written <prefix:Name> (prefixes from
// code_page_prefix(), e.g. "airsyncbase"). Text is escaped (CR as &#13; so it survives
// XML line-end normalisation). Opaque content:
//   - on an element the spec types as opaque (ComposeMail:Mime, Email2:ConversationId...,
//     TagInfo::opaque), written as escaped text when the bytes are valid UTF-8 that XML can
//     carry: the text *is* the bytes, so a test can write a MIME message readably;
//   - otherwise marked with the attribute easgate-content="opaque" (readable bytes) or
//     easgate-content="opaque-base64" (binary, base64);
//   - empty text (STR_I "") is marked easgate-content="text" to keep it apart from no content;
//   - text that XML cannot carry (control characters, invalid UTF-8) is written base64 with
//     easgate-content="text-base64".
// parse_xml reads all of these back, so parse_xml(to_xml(t)) == t.
// XmlOpaqueForm::kBase64 instead follows libwbxml's convention (opaque content is base64
// text, no attribute) in both directions, for comparing with wbxml2xml / xml2wbxml.

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/status.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// How opaque content appears in XML text.
enum class XmlOpaqueForm : uint8_t {
  kReadable,  // easgate convention described above (default)
  kBase64,    // libwbxml convention: every opaque value is base64 text
};

// Rendering options.
struct XmlRenderOptions {
  bool indent = true;                               // one element per line, 2-space indent
  XmlOpaqueForm opaque = XmlOpaqueForm::kReadable;  // opaque content form
};

// Parsing options.
struct XmlParseOptions {
  XmlOpaqueForm opaque = XmlOpaqueForm::kReadable;  // how opaque-typed elements' text is read
  uint32_t max_depth = 64;                          // deepest nesting accepted
};

std::string to_xml(const WbxmlElement& root, const XmlRenderOptions& options = {});
inline std::string to_xml(const WbxmlDocument& doc, const XmlRenderOptions& options = {}) {
  return to_xml(doc.root, options);
}

// Parses XML text (libxml2, no network, no external entities) into a tree. Namespaces
// select the code page: EAS names ("AirSync"), libwbxml's ("AirSync:") and the AIRSYNC
// dialect's URIs are accepted; an element without a namespace is looked up in its parent's
// page, then in the first page defining the name (libwbxml's AIRSYNC samples); element names match the spec name or libwbxml's alias.
// Whitespace-only text between child elements is ignored; text of leaf elements is kept
// exactly. Status::malformed for XML errors, unknown namespaces or names, mixed content.
Result<WbxmlDocument> parse_xml(std::string_view xml, const XmlParseOptions& options = {});

// Base64 (RFC 4648 section 4, with padding) helpers shared with tests.
std::string base64_encode(std::string_view bytes);
// Ignores ASCII whitespace; false on any other non-alphabet character or bad padding.
bool base64_decode(std::string_view text, std::string* out);

}  // namespace easgate
