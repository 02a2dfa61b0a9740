#include "backends/mime/charset.h"

#include <glib.h>
#include <gmime/gmime.h>
#include <iconv.h>

#include <cerrno>

namespace easgate::mime {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (g_ascii_tolower(a[i]) != g_ascii_tolower(b[i])) return false;
  }
  return true;
}

bool is_utf8_label(std::string_view c) {
  return c.empty() || iequals(c, "utf-8") || iequals(c, "utf8") || iequals(c, "us-ascii") ||
         iequals(c, "ascii") || iequals(c, "unicode-1-1-utf-8");
}

// Labels whose real-world content is a superset encoding (WHATWG Encoding Standard).
std::string iconv_name_for(std::string_view charset) {
  if (iequals(charset, "iso-8859-1") || iequals(charset, "latin1") ||
      iequals(charset, "iso8859-1") || iequals(charset, "iso_8859-1") ||
      iequals(charset, "windows-1252") || iequals(charset, "cp1252")) {
    return "CP1252";
  }
  if (iequals(charset, "gb2312") || iequals(charset, "gbk") || iequals(charset, "x-gbk") ||
      iequals(charset, "euc-cn")) {
    return "GB18030";
  }
  if (iequals(charset, "shift_jis") || iequals(charset, "shift-jis") || iequals(charset, "sjis") ||
      iequals(charset, "x-sjis") || iequals(charset, "ms_kanji")) {
    return "CP932";
  }
  if (iequals(charset, "ks_c_5601-1987") || iequals(charset, "euc-kr")) return "CP949";
  if (iequals(charset, "iso-8859-8-i")) return "ISO-8859-8";
  std::string name(charset);
  // GMime knows the many spellings of the rest (e.g. "latin2", "windows-1250").
  const char* canonical = g_mime_charset_iconv_name(name.c_str());
  return canonical ? canonical : name;
}

std::string convert_with_iconv(iconv_t cd, std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2 + 16);
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char buffer[4096];
  while (in_left > 0) {
    char* o = buffer;
    size_t o_left = sizeof(buffer);
    size_t rc = iconv(cd, &in, &in_left, &o, &o_left);
    out.append(buffer, static_cast<size_t>(o - buffer));
    if (rc != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) continue;
    // EILSEQ: skip one undecodable byte; EINVAL: a truncated sequence at the end.
    out.append(kReplacement);
    if (errno == EINVAL) break;
    ++in;
    --in_left;
  }
  // Flush the shift state of stateful encodings (ISO-2022-JP ends in ASCII).
  char* o = buffer;
  size_t o_left = sizeof(buffer);
  iconv(cd, nullptr, nullptr, &o, &o_left);
  out.append(buffer, static_cast<size_t>(o - buffer));
  return out;
}

}  // namespace

std::string make_valid_utf8(std::string_view text) {
  const gchar* end = nullptr;
  if (g_utf8_validate(text.data(), static_cast<gssize>(text.size()), &end)) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size() + 8);
  std::string_view rest = text;
  while (!rest.empty()) {
    if (g_utf8_validate(rest.data(), static_cast<gssize>(rest.size()), &end)) {
      out.append(rest);
      break;
    }
    size_t good = static_cast<size_t>(end - rest.data());
    out.append(rest.substr(0, good));
    out.append(kReplacement);
    rest.remove_prefix(good + 1);
  }
  return out;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  bool declared_utf8 = is_utf8_label(charset) && !charset.empty() &&
                       !iequals(charset, "us-ascii") && !iequals(charset, "ascii");
  if (is_utf8_label(charset)) {
    if (g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr)) {
      return std::string(bytes);
    }
    // Declared UTF-8 but broken: keep what decodes, mark the rest.
    if (declared_utf8) return make_valid_utf8(bytes);
    charset = "windows-1252";
  }
  std::string name = iconv_name_for(charset);
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    // Unknown label: the bytes are most likely UTF-8 or Latin; never fail.
    if (g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr)) {
      return std::string(bytes);
    }
    cd = iconv_open("UTF-8", "CP1252");
    if (cd == reinterpret_cast<iconv_t>(-1)) return make_valid_utf8(bytes);
  }
  std::string out = convert_with_iconv(cd, bytes);
  iconv_close(cd);
  // iconv output is UTF-8 by construction (CP1252's five unassigned bytes hit EILSEQ
  // above) but may hold NUL, which would end a WBXML inline string early.
  if (out.find('\0') != std::string::npos) return make_valid_utf8(out);
  return out;
}

std::string_view utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Back off over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace easgate::mime
