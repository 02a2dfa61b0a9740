#pragma once
// Plain text <-> HTML for bodies a device asks for in a type the message lacks
// (MS-ASAIRS 2.2.2.22.2 Type: the server converts when the native type differs).

#include <cstddef>
#include <string>
#include <string_view>

namespace easgate::mime {

// Readable plain text from UTF-8 HTML: drops head, script, style and comments, turns block
// elements (p, div, br, li, tr, h1-h6, blockquote) into line breaks, decodes character
// references, collapses whitespace the way a browser does. Linear time, never fails.
std::string html_to_text(std::string_view html);

// HTML that shows `text` as written: escaped, line breaks kept (white-space: pre-wrap).
std::string text_to_html(std::string_view text);

// `html` (already converted to UTF-8) with the charset of its <meta> tags in the first
// 4 KB rewritten to utf-8, so a device does not decode the converted text a second time.
std::string html_declare_utf8(std::string html);

// `text` with < > & " escaped.
std::string html_escape(std::string_view text);

// MS-ASAIRS 2.2.2.38 Preview: the first `max_chars` characters (<= 255) of the plain text
// with every run of whitespace collapsed to one space, trimmed.
std::string make_preview(std::string_view plain_text, size_t max_chars);

}  // namespace easgate::mime
