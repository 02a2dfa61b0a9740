#include "gateway/eas/wbxml/wbxml_encoder.h"

#include <cstdint>
#include <vector>

namespace easgate {
namespace {

void put_mb(std::string& out, uint32_t v) {
  // mb_u_int32, WAP-192-WBXML 5.1: base-128, most significant group first.
  char buf[5];
  int n = 0;
  do {
    buf[n++] = static_cast<char>(v & 0x7F);
    v >>= 7;
  } while (v != 0);
  while (n > 1) out += static_cast<char>(buf[--n] | 0x80);
  out += buf[0];
}

void put_opaque(std::string& out, std::string_view bytes) {
  out += static_cast<char>(0xC3);
  put_mb(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

// Iterative walk so a deep tree cannot overflow the stack.
struct Frame {
  const WbxmlElement* element;  // element whose children are being written
  size_t next_child;            // index of the next child to write
};

}  // namespace

void encode_wbxml_to(const WbxmlElement& root, std::string& out) {
  out.append("\x03\x01\x6A\x00", 4);
  uint8_t page = 0;
  std::vector<Frame> stack;
  auto open = [&](const WbxmlElement& e) {
    if (e.page() != page) {
      page = e.page();
      out += '\0';
      out += static_cast<char>(page);
    }
    bool has_content = e.content_kind() != WbxmlContent::kNone || !e.children().empty();
    out += static_cast<char>(e.token() | (has_content ? 0x40 : 0x00));
    if (!has_content) return false;
    if (e.content_kind() == WbxmlContent::kText) {
      std::string_view t = e.text();
      if (t.find('\0') != std::string_view::npos) {
        put_opaque(out, t);
      } else {
        out += '\x03';
        out.append(t);
        out += '\0';
      }
    } else if (e.content_kind() == WbxmlContent::kOpaque) {
      put_opaque(out, e.opaque());
    }
    return true;
  };
  if (!open(root)) return;
  stack.push_back({&root, 0});
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next_child < f.element->children().size()) {
      const WbxmlElement& c = f.element->children()[f.next_child++];
      if (open(c)) stack.push_back({&c, 0});  // may invalidate f; not used after
    } else {
      out += '\x01';
      stack.pop_back();
    }
  }
}

std::string encode_wbxml(const WbxmlDocument& doc) {
  std::string out;
  encode_wbxml_to(doc.root, out);
  return out;
}

}  // namespace easgate
