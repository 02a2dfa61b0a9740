#include "gateway/push/remembered_requests.h"

#include "gateway/eas/wbxml/tags.h"
#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"

namespace easgate {
namespace {

namespace ping = tag::ping;

}  // namespace

std::string encode_remembered_ping(const RememberedPing& remembered) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(ping::kPing);
  doc.root.add_text(ping::kHeartbeatInterval, std::to_string(remembered.heartbeat_seconds));
  WbxmlElement& folders = doc.root.add_child(ping::kFolders);
  for (const PingFolder& f : remembered.folders) {
    WbxmlElement& folder = folders.add_child(ping::kFolder);
    folder.add_text(ping::kId, f.id);
    if (!f.folder_class.empty()) folder.add_text(ping::kClass, f.folder_class);
  }
  return encode_wbxml(doc);
}

std::optional<RememberedPing> decode_remembered_ping(std::string_view bytes) {
  auto doc = decode_wbxml(bytes);
  if (!doc.is_ok()) return std::nullopt;
  auto parsed = parse_ping_request(&doc->root);
  if (!parsed || !parsed->heartbeat_seconds || !parsed->has_folders) return std::nullopt;
  return RememberedPing{*parsed->heartbeat_seconds, std::move(parsed->folders)};
}

std::optional<WbxmlDocument> decode_remembered_sync(std::string_view bytes) {
  auto doc = decode_wbxml(bytes);
  if (!doc.is_ok() || !doc->root.is(tag::air_sync::kSync)) return std::nullopt;
  return std::move(doc).value();
}

}  // namespace easgate
