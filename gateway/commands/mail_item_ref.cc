#include "gateway/commands/mail_item_ref.h"

#include <charconv>

namespace easgate {
namespace {

std::optional<uint32_t> parse_u32(std::string_view text) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::string> imap_mailbox_of(const FolderEntry& folder) {
  constexpr std::string_view kPrefix = "imap:";
  if (folder.backend_ref.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
  return folder.backend_ref.substr(kPrefix.size());
}

Result<FolderEntry> find_folder(StateStore& store, const DeviceKey& device,
                                const std::string& server_id) {
  auto current = store.load_current_folder_hierarchy(device);
  if (!current.is_ok()) return current.status();
  for (const auto& f : current->folders) {
    if (f.server_id == server_id) return f;
  }
  return Status::not_found("no folder " + server_id);
}

std::string collection_of_item(std::string_view item_server_id) {
  size_t colon = item_server_id.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  return std::string(item_server_id.substr(0, colon));
}

uint32_t uidvalidity_from_identity(std::string_view identity) {
  size_t end = identity.size();
  size_t begin = end;
  while (begin > 0 && identity[begin - 1] >= '0' && identity[begin - 1] <= '9') --begin;
  return parse_u32(identity.substr(begin, end - begin)).value_or(0);
}

Result<MailItemRef> resolve_mail_item(StateStore& store, const DeviceKey& device,
                                      const std::string& collection_id,
                                      const std::string& item_server_id) {
  auto folder = find_folder(store, device, collection_id);
  if (!folder.is_ok()) return folder.status();
  auto mailbox = imap_mailbox_of(*folder);
  if (!mailbox) return Status::unsupported("folder " + collection_id + " is not a mail folder");
  CollectionKey key{device.user_id, device.device_id, collection_id};
  auto state = store.load_current_collection_state(key);
  if (!state.is_ok()) return state.status();
  auto ids = store.lookup_by_server_ids(key, state->generation, {item_server_id});
  if (!ids.is_ok()) return ids.status();
  if (ids->empty() || !(*ids)[0]) return Status::not_found("no item " + item_server_id);
  auto uid = parse_u32(*(*ids)[0]);
  if (!uid || *uid == 0) return Status::not_found("item " + item_server_id + " is not a message");
  MailItemRef ref;
  ref.collection_id = collection_id;
  ref.mailbox.name = *mailbox;
  ref.mailbox.uidvalidity = uidvalidity_from_identity(state->folder_identity);
  ref.uid = *uid;
  return ref;
}

std::string make_long_id(const std::string& collection_id, uint32_t uidvalidity, uint32_t uid) {
  return collection_id + ":" + std::to_string(uidvalidity) + ":" + std::to_string(uid);
}

Result<MailItemRef> resolve_long_id(StateStore& store, const DeviceKey& device,
                                    std::string_view long_id) {
  size_t last = long_id.rfind(':');
  if (last == std::string_view::npos || last == 0) return Status::not_found("bad LongId");
  size_t mid = long_id.rfind(':', last - 1);
  if (mid == std::string_view::npos || mid == 0) return Status::not_found("bad LongId");
  auto uidvalidity = parse_u32(long_id.substr(mid + 1, last - mid - 1));
  auto uid = parse_u32(long_id.substr(last + 1));
  if (!uidvalidity || !uid || *uid == 0) return Status::not_found("bad LongId");
  std::string collection(long_id.substr(0, mid));
  auto folder = find_folder(store, device, collection);
  if (!folder.is_ok()) return folder.status();
  auto mailbox = imap_mailbox_of(*folder);
  if (!mailbox) return Status::not_found("LongId folder is not a mail folder");
  MailItemRef ref;
  ref.collection_id = collection;
  ref.mailbox = MailboxRef{*mailbox, *uidvalidity};
  ref.uid = *uid;
  return ref;
}

}  // namespace easgate
