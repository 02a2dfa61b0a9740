#pragma once
// How the mail commands (SmartReply, MoveItems, ItemOperations, Search...) turn what a
// device names — a folder ServerId, an item ServerId "<collection>:<n>", a Search LongId —
// into the IMAP folder, UIDVALIDITY and UID behind it. Synchronous: state store look-ups only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backends/api/mail_store.h"
#include "gateway/core/status.h"
#include "gateway/store/state_store.h"

namespace easgate {

// One message as the commands address it.
struct MailItemRef {
  std::string collection_id;  // folder ServerId (Sync CollectionId)
  MailboxRef mailbox;         // IMAP folder name and the UIDVALIDITY its UIDs belong to
  uint32_t uid = 0;           // UID in that folder
};

// The IMAP mailbox name of a hierarchy entry ("imap:<name>"); nullopt for DAV folders.
std::optional<std::string> imap_mailbox_of(const FolderEntry& folder);

// The folder with ServerId `server_id` in the device's current FolderSync snapshot.
// kNotFound when the device has no hierarchy or no such folder.
[[nodiscard]] Result<FolderEntry> find_folder(StateStore& store, const DeviceKey& device,
                                              const std::string& server_id);

// The folder's ServerId from an item ServerId "<collection>:<n>" (empty when malformed).
std::string collection_of_item(std::string_view item_server_id);

// UIDVALIDITY from a collection's stored folder identity ("uidvalidity:123", "123", or
// anything ending in digits); 0 when there is none (the store then skips the check).
uint32_t uidvalidity_from_identity(std::string_view identity);

// Resolves an item ServerId in `collection_id` through the collection's current item map.
// kNotFound when the folder, its sync state or the item is unknown; kUnsupported when the
// folder is not a mail folder.
[[nodiscard]] Result<MailItemRef> resolve_mail_item(StateStore& store, const DeviceKey& device,
                                                    const std::string& collection_id,
                                                    const std::string& item_server_id);

// Search LongId (MS-ASCMD 2.2.3.101.1: opaque to the client, at most 256 characters):
// "<collection ServerId>:<UIDVALIDITY>:<UID>". It names the message itself, not a Sync
// ServerId, so it stays valid whether or not the folder was ever synced.
std::string make_long_id(const std::string& collection_id, uint32_t uidvalidity, uint32_t uid);

// Parses a LongId and finds its folder; kNotFound for anything malformed or unknown.
[[nodiscard]] Result<MailItemRef> resolve_long_id(StateStore& store, const DeviceKey& device,
                                                  std::string_view long_id);

}  // namespace easgate
