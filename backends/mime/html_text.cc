#include "backends/mime/html_text.h"

#include <glib.h>

#include <algorithm>
#include <cstdint>

#include "backends/mime/charset.h"

namespace easgate::mime {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Lower-cased tag name starting at html[pos] (just after '<' or "</").
std::string tag_name_at(std::string_view html, size_t pos) {
  std::string name;
  while (pos < html.size() && name.size() < 16) {
    char c = html[pos];
    if (!g_ascii_isalnum(c)) break;
    name.push_back(g_ascii_tolower(c));
    ++pos;
  }
  return name;
}

bool is_block(const std::string& tag) {
  static constexpr std::string_view kBlocks[] = {
      "p",  "div",     "br",         "li",     "tr",     "h1",      "h2",    "h3", "h4",
      "h5", "h6",      "blockquote", "ul",     "ol",     "table",   "pre",   "hr", "dt",
      "dd", "section", "article",    "header", "footer", "address", "center"};
  for (auto b : kBlocks) {
    if (tag == b) return true;
  }
  return false;
}

void append_code_point(std::string& out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  char buf[6];
  int n = g_unichar_to_utf8(cp, buf);
  out.append(buf, static_cast<size_t>(n));
}

// Decodes the character reference at html[pos] == '&'; returns the bytes consumed (0 when
// it is not a reference we know, so the '&' is literal text).
size_t decode_entity(std::string_view html, size_t pos, std::string& out) {
  size_t semi = html.find(';', pos);
  if (semi == std::string_view::npos || semi - pos > 12) return 0;
  std::string_view name = html.substr(pos + 1, semi - pos - 1);
  if (name.size() >= 2 && name[0] == '#') {
    uint32_t cp = 0;
    bool hex = name[1] == 'x' || name[1] == 'X';
    size_t i = hex ? 2 : 1;
    if (i >= name.size()) return 0;
    for (; i < name.size(); ++i) {
      int d = hex ? g_ascii_xdigit_value(name[i]) : g_ascii_digit_value(name[i]);
      if (d < 0) return 0;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      if (cp > 0x10FFFF) cp = 0x110000;
    }
    append_code_point(out, cp);
    return semi - pos + 1;
  }
  static constexpr struct {
    std::string_view name;
    uint32_t cp;
  } kNamed[] = {{"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
                {"apos", '\''},    {"nbsp", 0xA0},    {"copy", 0xA9},    {"reg", 0xAE},
                {"euro", 0x20AC},  {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026},
                {"laquo", 0xAB},   {"raquo", 0xBB},   {"auml", 0xE4},    {"ouml", 0xF6},
                {"uuml", 0xFC},    {"Auml", 0xC4},    {"Ouml", 0xD6},    {"Uuml", 0xDC},
                {"szlig", 0xDF},   {"eacute", 0xE9},  {"egrave", 0xE8},  {"rsquo", 0x2019},
                {"lsquo", 0x2018}, {"rdquo", 0x201D}, {"ldquo", 0x201C}, {"bull", 0x2022}};
  for (const auto& e : kNamed) {
    if (name == e.name) {
      append_code_point(out, e.cp);
      return semi - pos + 1;
    }
  }
  return 0;
}

// Appends a line break unless the output already ends in one (at most one blank line).
void break_line(std::string& out, bool paragraph) {
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.empty()) return;
  size_t newlines = 0;
  for (size_t i = out.size(); i > 0 && out[i - 1] == '\n'; --i) ++newlines;
  size_t want = paragraph ? 2 : 1;
  while (newlines < want) {
    out.push_back('\n');
    ++newlines;
  }
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  size_t i = 0;
  bool pending_space = false;
  while (i < html.size()) {
    char c = html[i];
    if (c == '<') {
      if (html.compare(i, 4, "<!--") == 0) {
        size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      bool closing = i + 1 < html.size() && html[i + 1] == '/';
      std::string tag = tag_name_at(html, i + (closing ? 2 : 1));
      size_t gt = html.find('>', i + 1);
      if (gt == std::string_view::npos) break;  // an unterminated tag ends the text
      i = gt + 1;
      if (!closing && (tag == "script" || tag == "style" || tag == "head" || tag == "title")) {
        // Skip to the matching close tag; their content is never visible text.
        std::string close = "</" + tag;
        size_t pos = i;
        size_t end = std::string_view::npos;
        while (pos < html.size()) {
          size_t lt = html.find("</", pos);
          if (lt == std::string_view::npos) break;
          if (g_ascii_strncasecmp(html.data() + lt, close.c_str(), close.size()) == 0) {
            end = lt;
            break;
          }
          pos = lt + 2;
        }
        if (end == std::string_view::npos) {
          i = html.size();
        } else {
          size_t close_gt = html.find('>', end);
          i = close_gt == std::string_view::npos ? html.size() : close_gt + 1;
        }
        continue;
      }
      if (tag == "br") {
        while (!out.empty() && out.back() == ' ') out.pop_back();
        out.push_back('\n');
        pending_space = false;
      } else if (is_block(tag)) {
        bool paragraph = tag == "p" || tag == "table" || tag == "blockquote" ||
                         (tag.size() == 2 && tag[0] == 'h' && g_ascii_isdigit(tag[1]));
        break_line(out, paragraph && closing);
        if (tag == "li" && !closing) out.append("* ");
        pending_space = false;
      } else if (tag == "td" || tag == "th") {
        pending_space = true;
      }
      continue;
    }
    if (is_space(c)) {
      pending_space = true;
      ++i;
      continue;
    }
    if (pending_space && !out.empty() && out.back() != '\n') out.push_back(' ');
    pending_space = false;
    if (c == '&') {
      size_t used = decode_entity(html, i, out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  // &nbsp; decoded to U+00A0 reads as a space in plain text.
  std::string result;
  result.reserve(out.size());
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k] == '\xC2' && k + 1 < out.size() && out[k + 1] == '\xA0') {
      result.push_back(' ');
      ++k;
    } else {
      result.push_back(out[k]);
    }
  }
  return result;
}

std::string html_declare_utf8(std::string html) {
  size_t limit = std::min<size_t>(html.size(), 4096);
  size_t pos = 0;
  for (int rounds = 0; rounds < 4; ++rounds) {
    size_t meta = std::string::npos;
    for (size_t i = pos; i + 5 <= limit; ++i) {
      if (html[i] == '<' && g_ascii_strncasecmp(html.data() + i, "<meta", 5) == 0) {
        meta = i;
        break;
      }
    }
    if (meta == std::string::npos) break;
    size_t end = html.find('>', meta);
    if (end == std::string::npos) break;
    pos = end;
    for (size_t i = meta; i + 8 <= end; ++i) {
      if (g_ascii_strncasecmp(html.data() + i, "charset=", 8) != 0) continue;
      size_t v = i + 8;
      if (v < end && (html[v] == '"' || html[v] == '\'')) ++v;
      size_t w = v;
      while (w < end && html[w] != '"' && html[w] != '\'' && html[w] != ';' && html[w] != ' ' &&
             html[w] != '/' && html[w] != '>') {
        ++w;
      }
      html.replace(v, w - v, "utf-8");
      pos = meta + 1;
      limit = std::min<size_t>(html.size(), 4096);
      break;
    }
  }
  return html;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '&':
        out.append("&amp;");
        break;
      case '"':
        out.append("&quot;");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string text_to_html(std::string_view text) {
  std::string out =
      "<html><head><meta charset=\"utf-8\"></head><body>"
      "<div style=\"white-space: pre-wrap\">";
  std::string escaped = html_escape(text);
  out.reserve(out.size() + escaped.size() + 32);
  for (char c : escaped) {
    if (c != '\r') out.push_back(c);
  }
  out.append("</div></body></html>");
  return out;
}

std::string make_preview(std::string_view plain_text, size_t max_chars) {
  if (max_chars > 255) max_chars = 255;  // MS-ASAIRS 2.2.2.38: at most 255 characters
  std::string out;
  size_t chars = 0;
  bool space = false;
  for (size_t i = 0; i < plain_text.size(); ++i) {
    char c = plain_text[i];
    if (is_space(c)) {
      space = true;
      continue;
    }
    bool starts_char = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_char && chars >= max_chars) break;
    if (space && !out.empty()) {
      out.push_back(' ');
      ++chars;
      if (chars >= max_chars) break;
    }
    space = false;
    if (starts_char) ++chars;
    out.push_back(c);  // continuation bytes of a started character always follow it
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return make_valid_utf8(out);
}

}  // namespace easgate::mime
