#pragma once
// The decoded form of an EAS request/response body: a tree of elements identified by
// (code page, token). Content is none, UTF-8 text (STR_I) or opaque bytes (OPAQUE); EAS
// never mixes text and child elements, and the decoder rejects documents that do.
// Values are plain data: copyable, movable, not thread-safe for concurrent mutation.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/eas/wbxml/code_pages.h"
#include "gateway/eas/wbxml/tags.h"

namespace easgate {

// What an element carries besides its children.
enum class WbxmlContent : uint8_t {
  kNone,    // no content (an empty tag, or children only)
  kText,    // UTF-8 text (WBXML STR_I / STR_T / ENTITY)
  kOpaque,  // raw bytes (WBXML OPAQUE), kept exactly as sent
};

class WbxmlElement {
 public:
  WbxmlElement() = default;
  explicit WbxmlElement(Tag tag) : tag_(tag) {}

  Tag tag() const { return tag_; }
  uint8_t page() const { return tag_.page; }
  uint8_t token() const { return tag_.token; }
  bool is(Tag t) const { return tag_ == t; }

  WbxmlContent content_kind() const { return kind_; }
  bool has_text() const { return kind_ == WbxmlContent::kText; }
  bool has_opaque() const { return kind_ == WbxmlContent::kOpaque; }
  // Text content; empty when the element has no text (check has_text() to tell apart).
  std::string_view text() const {
    return kind_ == WbxmlContent::kText ? std::string_view(data_) : std::string_view();
  }
  // Opaque bytes; empty when the element has none.
  std::string_view opaque() const {
    return kind_ == WbxmlContent::kOpaque ? std::string_view(data_) : std::string_view();
  }
  // Text or opaque bytes, whichever is present (e.g. AirSyncBase:Data may come either way).
  std::string_view content() const { return data_; }

  void set_text(std::string text) {
    kind_ = WbxmlContent::kText;
    data_ = std::move(text);
  }
  void set_opaque(std::string bytes) {
    kind_ = WbxmlContent::kOpaque;
    data_ = std::move(bytes);
  }
  void clear_content() {
    kind_ = WbxmlContent::kNone;
    data_.clear();
  }
  // For the decoder: appends to text content (STR_I followed by ENTITY, etc.).
  std::string& mutable_data() { return data_; }
  void set_content_kind(WbxmlContent kind) { kind_ = kind; }

  const std::vector<WbxmlElement>& children() const { return children_; }
  std::vector<WbxmlElement>& mutable_children() { return children_; }

  // First direct child with this tag, or nullptr.
  const WbxmlElement* child(Tag t) const;
  // Text of the first direct child with this tag; empty when absent.
  std::string_view child_text(Tag t) const;
  // All direct children with this tag, in document order.
  std::vector<const WbxmlElement*> children_named(Tag t) const;

  // Builders; each returns the new child so calls can nest. References stay valid until
  // the next child is added to the same parent.
  WbxmlElement& add_child(Tag t);
  WbxmlElement& add_text(Tag t, std::string text);
  WbxmlElement& add_opaque(Tag t, std::string bytes);

  // Deep structural equality: tag, content kind, content bytes, children in order.
  friend bool operator==(const WbxmlElement& a, const WbxmlElement& b);

 private:
  Tag tag_;
  WbxmlContent kind_ = WbxmlContent::kNone;
  std::string data_;
  std::vector<WbxmlElement> children_;
};

// A whole document: the header fields EAS cares about and the root element.
struct WbxmlDocument {
  uint8_t version = 0x03;     // WBXML version byte (0x03 = WBXML 1.3, what EAS sends)
  uint32_t public_id = 0x01;  // public identifier; 1 = unknown, which EAS uses
  WbxmlElement root;          // the single root element (e.g. FolderHierarchy:FolderSync)

  friend bool operator==(const WbxmlDocument& a, const WbxmlDocument& b) {
    return a.root == b.root;  // header fields are framing, not content
  }
};

}  // namespace easgate
