#include "backends/dav/dav_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <memory>

namespace easgate {

namespace {

std::string_view trim_ws(std::string_view s) {
  const auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view as_view(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

std::string_view ns_of(const xmlNode* n) { return n->ns ? as_view(n->ns->href) : ""; }

bool is(const xmlNode* n, std::string_view ns, std::string_view name) {
  return n->type == XML_ELEMENT_NODE && ns_of(n) == ns && as_view(n->name) == name;
}

std::string content_of(const xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  std::string out(as_view(c));
  xmlFree(c);
  return out;
}

// Deepest element nesting below `n` (n counts as 1). libxml2 already refuses more than 256
// levels without XML_PARSE_HUGE, which bounds this recursion.
int depth_of(const xmlNode* n) {
  int deepest = 0;
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) deepest = std::max(deepest, depth_of(c));
  }
  return deepest + 1;
}

struct ParseGuard {
  bool saw_dtd = false;  // the document declared a DOCTYPE; parsing was stopped
};

// A DOCTYPE is the only way to declare entities; multistatus never needs one, so refusing it
// rules out entity expansion ("billion laughs") and external entity fetches together.
void refuse_dtd(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  static_cast<ParseGuard*>(ctxt->_private)->saw_dtd = true;
  xmlStopParser(ctxt);
}

void parse_propstat(const xmlNode* propstat, DavResponse* out) {
  int code = 0;
  const xmlNode* prop = nullptr;
  for (const xmlNode* c = propstat->children; c; c = c->next) {
    if (is(c, kDavNs, "status")) code = parse_dav_status_line(trim_ws(content_of(c)));
    if (is(c, kDavNs, "prop")) prop = c;
  }
  if (!prop) return;
  const bool ok = code >= 200 && code < 300;
  for (const xmlNode* p = prop->children; p; p = p->next) {
    if (p->type != XML_ELEMENT_NODE) continue;
    if (!ok) {
      out->missing.push_back({std::string(ns_of(p)), std::string(as_view(p->name))});
      continue;
    }
    DavProperty property;
    property.ns = ns_of(p);
    property.name = as_view(p->name);
    property.text = content_of(p);
    for (const xmlNode* c = p->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      DavElement e;
      e.ns = ns_of(c);
      e.name = as_view(c->name);
      e.text = trim_ws(content_of(c));
      for (const xmlAttr* a = c->properties; a; a = a->next) {
        if (a->ns) continue;  // discovery needs only plain attributes (comp name="...")
        xmlChar* v = xmlNodeListGetString(c->doc, a->children, 1);
        e.attributes.emplace_back(std::string(as_view(a->name)), std::string(as_view(v)));
        xmlFree(v);
      }
      property.children.push_back(std::move(e));
    }
    out->properties.push_back(std::move(property));
  }
}

Status parse_response(const xmlNode* response, Multistatus* out) {
  std::vector<std::string> hrefs;
  int status = 0;
  DavResponse parsed;
  bool has_propstat = false;
  for (const xmlNode* c = response->children; c; c = c->next) {
    if (is(c, kDavNs, "href")) {
      hrefs.emplace_back(trim_ws(content_of(c)));
    } else if (is(c, kDavNs, "status")) {
      status = parse_dav_status_line(trim_ws(content_of(c)));
    } else if (is(c, kDavNs, "propstat")) {
      has_propstat = true;
      parse_propstat(c, &parsed);
    }
  }
  if (hrefs.empty() || hrefs.front().empty()) {
    return Status::malformed("multistatus: DAV:response without DAV:href (line " +
                             std::to_string(response->line) + ")");
  }
  if (has_propstat) {
    parsed.href = std::move(hrefs.front());
    parsed.status = status;
    out->responses.push_back(std::move(parsed));
    return Status::ok();
  }
  // RFC 4918 section 14.24: "href+, status" names several resources sharing one status.
  for (auto& href : hrefs) {
    DavResponse r;
    r.href = std::move(href);
    r.status = status;
    out->responses.push_back(std::move(r));
  }
  return Status::ok();
}

struct CtxtDeleter {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};
struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

}  // namespace

std::string DavElement::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes) {
    if (k == key) return v;
  }
  return {};
}

std::string DavProperty::text_trimmed() const { return std::string(trim_ws(text)); }

std::vector<std::string> DavProperty::hrefs() const {
  std::vector<std::string> out;
  for (const auto& c : children) {
    if (c.ns == kDavNs && c.name == "href" && !c.text.empty()) out.push_back(c.text);
  }
  return out;
}

bool DavProperty::has_child(std::string_view ns_uri, std::string_view local) const {
  for (const auto& c : children) {
    if (c.ns == ns_uri && c.name == local) return true;
  }
  return false;
}

const DavProperty* DavResponse::find(std::string_view ns_uri, std::string_view local) const {
  for (const auto& p : properties) {
    if (p.ns == ns_uri && p.name == local) return &p;
  }
  return nullptr;
}

int parse_dav_status_line(std::string_view line) {
  // RFC 4918 section 14.28: status = HTTP status line, e.g. "HTTP/1.1 404 Not Found".
  if (line.substr(0, 5) != "HTTP/") return 0;
  const auto sp = line.find(' ');
  if (sp == std::string_view::npos || line.size() < sp + 4) return 0;
  int code = 0;
  for (size_t i = sp + 1; i < sp + 4; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    code = code * 10 + (line[i] - '0');
  }
  if (line.size() > sp + 4 && line[sp + 4] != ' ') return 0;
  return code;
}

Result<Multistatus> parse_multistatus(std::string_view body, size_t max_bytes) {
  if (body.size() > max_bytes) {
    return Status::too_large("multistatus body of " + std::to_string(body.size()) +
                             " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  if (body.size() > static_cast<size_t>(INT_MAX)) return Status::too_large("multistatus body");
  if (trim_ws(body).empty()) return Status::malformed("multistatus: empty body");

  std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt(xmlNewParserCtxt());
  if (!ctxt) return Status::internal("xmlNewParserCtxt failed");
  ParseGuard guard;
  ctxt->_private = &guard;
  ctxt->sax->internalSubset = &refuse_dtd;
  ctxt->sax->externalSubset = &refuse_dtd;
  // NONET: never fetch anything. No NOENT: entities are never substituted. NOERROR and
  // NOWARNING: errors come back in the Status, not on stderr. NOCDATA: CDATA reads as text.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                      XML_PARSE_NOCDATA;
  std::unique_ptr<xmlDoc, DocDeleter> doc(xmlCtxtReadMemory(
      ctxt.get(), body.data(), static_cast<int>(body.size()), "multistatus.xml", nullptr,
      options));
  if (guard.saw_dtd) return Status::malformed("multistatus: DOCTYPE is not allowed");
  if (!doc || !ctxt->wellFormed) {
    const xmlError* err = xmlCtxtGetLastError(ctxt.get());
    std::string detail = err && err->message ? std::string(trim_ws(err->message)) : "not XML";
    if (err) detail += " at line " + std::to_string(err->line) + ":" + std::to_string(err->int2);
    return Status::malformed("multistatus: " + detail);
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !is(root, kDavNs, "multistatus")) {
    return Status::malformed("multistatus: root element is not DAV:multistatus");
  }
  if (depth_of(root) > kMaxDavXmlDepth) {
    return Status::malformed("multistatus: elements nested deeper than " +
                             std::to_string(kMaxDavXmlDepth));
  }
  Multistatus out;
  for (const xmlNode* c = root->children; c; c = c->next) {
    if (is(c, kDavNs, "response")) {
      Status s = parse_response(c, &out);
      if (!s.is_ok()) return s;
    } else if (is(c, kDavNs, "sync-token")) {
      out.sync_token = trim_ws(content_of(c));
    }
  }
  return out;
}

std::string propfind_body(const std::vector<DavName>& properties) {
  struct Prefix {
    std::string_view ns;
    std::string prefix;
  };
  std::vector<Prefix> prefixes = {{kDavNs, "D"}, {kCalDavNs, "C"}, {kCardDavNs, "CR"},
                                  {kCalendarServerNs, "CS"}};
  const auto prefix_for = [&](const std::string& ns) -> std::string {
    for (const auto& p : prefixes) {
      if (p.ns == ns) return p.prefix;
    }
    return {};
  };
  std::string props;
  std::string extra_decls;
  int next_extra = 0;
  for (const auto& name : properties) {
    std::string prefix = prefix_for(name.ns);
    if (prefix.empty()) {
      prefix = "X" + std::to_string(next_extra++);
      // Stored as a view: keep `name` (owned by the caller) alive for this function only.
      prefixes.push_back({name.ns, prefix});
      extra_decls += " xmlns:" + prefix + "=\"" + name.ns + "\"";
    }
    props += "<" + prefix + ":" + name.name + "/>";
  }
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
         "<D:propfind xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\" "
         "xmlns:CR=\"urn:ietf:params:xml:ns:carddav\" "
         "xmlns:CS=\"http://calendarserver.org/ns/\"" +
         extra_decls + "><D:prop>" + props + "</D:prop></D:propfind>";
}

}  // namespace easgate
