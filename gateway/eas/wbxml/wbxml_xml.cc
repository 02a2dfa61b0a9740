#include "gateway/eas/wbxml/wbxml_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstring>
#include <memory>

namespace easgate {
namespace {

constexpr char kContentAttr[] = "easgate-content";

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// True when `s` is valid UTF-8 made only of characters XML 1.0 can carry (section 2.2).
bool xml_safe(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      n = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n]) return false;  // overlong
    bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
              (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!ok) return false;
    i += n;
  }
  return true;
}

void escape_into(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\r': out += "&#13;"; break;  // survives XML 2.11 line-end normalisation
      default: out += c;
    }
  }
}

class Renderer {
 public:
  Renderer(std::string& out, const XmlRenderOptions& o, uint8_t root_page)
      : out_(out), o_(o), root_page_(root_page) {}

  void element(const WbxmlElement& e, int depth, bool is_root, uint64_t pages_used) {
    if (o_.indent) out_.append(static_cast<size_t>(depth) * 2, ' ');
    std::string name = qualified(e.tag());
    out_ += '<';
    out_ += name;
    if (is_root) {
      out_ += " xmlns=\"";
      out_ += code_page_namespace(e.page());
      out_ += '"';
      for (uint8_t p = 0; p <= kMaxCodePage; ++p) {
        if (p == root_page_ || !(pages_used & (1ull << p))) continue;
        out_ += " xmlns:";
        out_ += code_page_prefix(p);
        out_ += "=\"";
        out_ += code_page_namespace(p);
        out_ += '"';
      }
    }
    const TagInfo* info = find_tag(e.tag());
    std::string_view data = e.content();
    bool leaf_text = false;
    if (e.has_opaque()) {
      bool typed = info != nullptr && info->opaque;
      if (o_.opaque == XmlOpaqueForm::kBase64) {
        leaf_text = true;
      } else if (xml_safe(data)) {
        if (!typed) attr("opaque");
        leaf_text = true;
      } else {
        attr("opaque-base64");
      }
      if (!leaf_text || o_.opaque == XmlOpaqueForm::kBase64) {
        out_ += '>';
        out_ += base64_encode(data);
        close(name);
        return;
      }
    } else if (e.has_text()) {
      if (!xml_safe(data)) {
        attr("text-base64");
        out_ += '>';
        out_ += base64_encode(data);
        close(name);
        return;
      }
      // An empty string is still text (STR_I ""); mark it so parsing does not drop it.
      if (data.empty()) attr("text");
      leaf_text = true;
    }
    if (leaf_text) {
      out_ += '>';
      escape_into(out_, data);
      close(name);
      return;
    }
    if (e.children().empty()) {
      out_ += "/>";
      if (o_.indent) out_ += '\n';
      return;
    }
    out_ += '>';
    if (o_.indent) out_ += '\n';
    for (const WbxmlElement& c : e.children()) element(c, depth + 1, false, 0);
    if (o_.indent) out_.append(static_cast<size_t>(depth) * 2, ' ');
    close(name);
  }

 private:
  std::string qualified(Tag t) const {
    const TagInfo* info = find_tag(t);
    std::string n;
    if (t.page != root_page_ && code_page_prefix(t.page) != nullptr) {
      n = code_page_prefix(t.page);
      n += ':';
    }
    if (info != nullptr) {
      n += info->name;
    } else {
      n += "Unknown_" + std::to_string(t.token);  // only for hand-built trees
    }
    return n;
  }
  void attr(const char* value) {
    out_ += ' ';
    out_ += kContentAttr;
    out_ += "=\"";
    out_ += value;
    out_ += '"';
  }
  void close(const std::string& name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
    if (o_.indent) out_ += '\n';
  }

  std::string& out_;
  const XmlRenderOptions& o_;
  uint8_t root_page_;
};

uint64_t collect_pages(const WbxmlElement& e) {
  uint64_t m = e.page() <= kMaxCodePage ? (1ull << e.page()) : 0;
  for (const WbxmlElement& c : e.children()) m |= collect_pages(c);
  return m;
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

const char* as_chars(const xmlChar* s) { return reinterpret_cast<const char*>(s); }

class XmlReader {
 public:
  explicit XmlReader(const XmlParseOptions& o) : o_(o) {}

  Status element(xmlNode* node, WbxmlElement& out, uint32_t depth, uint8_t inherited_page) {
    if (depth > o_.max_depth) return err(node, "nesting deeper than the limit");
    std::string_view ns = node->ns && node->ns->href ? as_chars(node->ns->href) : "";
    std::string_view name = as_chars(node->name);
    const TagInfo* info =
        ns.empty() ? find_without_namespace(name, inherited_page) : find_tag(ns, name);
    if (info == nullptr) {
      return err(node, "unknown element {" + std::string(ns) + "}" + std::string(name));
    }
    out = WbxmlElement(Tag{info->page, info->token});
    std::string content_form;
    for (xmlAttr* a = node->properties; a != nullptr; a = a->next) {
      if (std::strcmp(as_chars(a->name), kContentAttr) != 0) {
        return err(node, "unexpected attribute " + std::string(as_chars(a->name)));
      }
      xmlChar* v = xmlNodeListGetString(node->doc, a->children, 1);
      content_form = v ? as_chars(v) : "";
      xmlFree(v);
    }
    std::string text;
    bool saw_text = false;
    for (xmlNode* c = node->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) {
        WbxmlElement& child = out.add_child(Tag{});
        if (Status s = element(c, child, depth + 1, info->page); !s) return s;
      } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
        saw_text = true;
        if (c->content) text += as_chars(c->content);
      } else if (c->type == XML_ENTITY_REF_NODE) {
        return err(node, "entity references are not accepted");
      }
    }
    if (!out.children().empty()) {
      if (text.find_first_not_of(" \t\r\n") != std::string::npos) {
        return err(node, "text mixed with child elements");
      }
      if (!content_form.empty()) return err(node, "content attribute on a container element");
      return Status::ok();
    }
    if (content_form == "text") {
      out.set_text(std::move(text));
      return Status::ok();
    }
    if (!saw_text) return Status::ok();
    bool base64 = content_form == "opaque-base64" || content_form == "text-base64" ||
                  (o_.opaque == XmlOpaqueForm::kBase64 && info->opaque && content_form.empty());
    if (base64) {
      std::string raw;
      if (!base64_decode(text, &raw)) return err(node, "content is not valid base64");
      text = std::move(raw);
    }
    if (content_form == "text-base64") {
      out.set_text(std::move(text));
    } else if (content_form == "opaque" || content_form == "opaque-base64" || info->opaque) {
      out.set_opaque(std::move(text));
    } else if (content_form.empty()) {
      out.set_text(std::move(text));
    } else {
      return err(node, "unknown " + std::string(kContentAttr) + " value " + content_form);
    }
    return Status::ok();
  }

 private:
  static Status err(xmlNode* node, std::string what) {
    return Status::malformed("xml: " + what + " at line " + std::to_string(xmlGetLineNo(node)));
  }
  // libwbxml's older AIRSYNC test documents carry no namespaces at all: resolve a name in
  // the enclosing element's page first, then in the first page that defines it.
  static const TagInfo* find_without_namespace(std::string_view name, uint8_t page) {
    if (const TagInfo* t = find_tag(code_page_namespace(page), name)) return t;
    for (uint8_t p = 0; p <= kMaxCodePage; ++p) {
      if (const TagInfo* t = find_tag(code_page_namespace(p), name)) return t;
    }
    return nullptr;
  }

  const XmlParseOptions& o_;
};

}  // namespace

std::string to_xml(const WbxmlElement& root, const XmlRenderOptions& options) {
  std::string out;
  Renderer r(out, options, root.page());
  r.element(root, 0, true, collect_pages(root));
  return out;
}

Result<WbxmlDocument> parse_xml(std::string_view xml, const XmlParseOptions& options) {
  if (xml.size() > 0x7FFFFFFF) return Status::malformed("xml: document too large");
  // No network, no DTD loading, no entity substitution: test input is still input.
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "eas.xml", nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) {
    const xmlError* e = xmlGetLastError();
    std::string m = "xml: not well-formed";
    if (e != nullptr && e->message != nullptr) {
      m += ": ";
      m += e->message;
      while (!m.empty() && m.back() == '\n') m.pop_back();
      m += " at line " + std::to_string(e->line);
    }
    return Status::malformed(std::move(m));
  }
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return Status::malformed("xml: no root element");
  WbxmlDocument out;
  XmlReader reader(options);
  if (Status s = reader.element(root, out.root, 1, 0); !s) return s;
  return out;
}

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool base64_decode(std::string_view text, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  int pad = 0;
  size_t symbols = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++pad;
      ++symbols;
      continue;
    }
    if (pad > 0) return false;  // data after padding
    const char* p = std::strchr(kB64, c);
    if (c == '\0' || p == nullptr) return false;
    acc = (acc << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return symbols % 4 == 0 && pad <= 2;
}

}  // namespace easgate
