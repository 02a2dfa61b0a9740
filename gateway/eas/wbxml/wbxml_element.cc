#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

const WbxmlElement* WbxmlElement::child(Tag t) const {
  for (const WbxmlElement& c : children_) {
    if (c.tag_ == t) return &c;
  }
  return nullptr;
}

std::string_view WbxmlElement::child_text(Tag t) const {
  const WbxmlElement* c = child(t);
  return c ? c->text() : std::string_view();
}

std::vector<const WbxmlElement*> WbxmlElement::children_named(Tag t) const {
  std::vector<const WbxmlElement*> out;
  for (const WbxmlElement& c : children_) {
    if (c.tag_ == t) out.push_back(&c);
  }
  return out;
}

WbxmlElement& WbxmlElement::add_child(Tag t) { return children_.emplace_back(t); }

WbxmlElement& WbxmlElement::add_text(Tag t, std::string text) {
  WbxmlElement& c = children_.emplace_back(t);
  c.set_text(std::move(text));
  return c;
}

WbxmlElement& WbxmlElement::add_opaque(Tag t, std::string bytes) {
  WbxmlElement& c = children_.emplace_back(t);
  c.set_opaque(std::move(bytes));
  return c;
}

bool operator==(const WbxmlElement& a, const WbxmlElement& b) {
  return a.tag_ == b.tag_ && a.kind_ == b.kind_ && a.data_ == b.data_ &&
         a.children_ == b.children_;
}

}  // namespace easgate
