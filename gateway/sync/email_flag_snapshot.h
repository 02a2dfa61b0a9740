#pragma once
// The UID -> IMAP flags a mail collection's SyncKey generation has shown the device, kept
// only when the server lacks CONDSTORE (RFC 7162): then nothing else tells a flag change
// from an old flag, and the UID/FLAGS-diff fallback of MailStore::changes_since compares
// the folder's listing against this (DESIGN.md "Sync engine": "last seen UID/flags
// snapshot"). It travels in the generation's cursor text after the EmailCursor line, so a
// retried SyncKey diffs against the same snapshot and answers the same changes. Pure.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/mail_store.h"

namespace easgate {

// UID -> flags (keywords sorted) of every message the generation accounts for.
using FlagSnapshot = std::map<uint32_t, MessageFlags>;

// Keywords sorted, so flags read in another order compare equal.
MessageFlags normalized_flags(MessageFlags flags);

// The lines to append to encode_cursor()'s text ("\nk <keyword> ..." when any, then
// "\ns <uid delta>[.<flag bits>[.<keyword index>...]] ..."); empty for nullopt.
std::string encode_flag_snapshot(const std::optional<FlagSnapshot>& snapshot);
// The snapshot in a whole cursor text: nullopt when it has none (a CONDSTORE folder, or a
// generation written before snapshots were kept) or it is corrupt (the caller then diffs
// as before: one Change per flagged message, never a lost one).
std::optional<FlagSnapshot> decode_flag_snapshot(std::string_view cursor_text);

// The snapshot as the uid+flags list MailStore::changes_since takes.
std::vector<MessageChange> snapshot_list(const FlagSnapshot& snapshot);
// `snapshot` moved to what a fallback changes_since listed: its changed UIDs take their new
// flags (new UIDs included), its vanished UIDs leave.
void apply_listing_diff(const MessageChanges& changes, FlagSnapshot* snapshot);

}  // namespace easgate
