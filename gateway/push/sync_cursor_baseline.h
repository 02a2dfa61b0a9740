#pragma once
// Ping baselines from the Sync cursor (issue 6): a watched folder "has changes" when the
// backend moved past the cursor the device's last Sync committed for that collection, not
// past a marker read when the Ping started. So a mail that arrived between the device's
// Sync and its Ping is reported at once (MS-ASCMD 2.2.3.177.10 Status 2), as Exchange does.
// Pure: no I/O; the caller loads the generation from the StateStore.

#include <optional>
#include <string>
#include <string_view>

#include "gateway/push/worker_push.h"
#include "gateway/store/state_store.h"

namespace easgate {

// What a collection's current SyncKey generation says about a watched folder.
struct CursorBaseline {
  // The marker the backend shows when nothing changed since that Sync (same format as the
  // markers WorkerPush reads: "UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ/MESSAGES" or the DAV
  // sync-token); "" when the cursor cannot serve as a baseline (no sync-token yet).
  std::string marker;
  // The generation still holds changes the device has not fetched (MoreAvailable): the
  // folder has changes now, whatever the backend says.
  bool pending = false;
};

// nullopt for a generation whose cursor does not decode (a corrupt row: the Ping falls
// back to a baseline read when it starts).
std::optional<CursorBaseline> cursor_baseline(FolderBackend backend,
                                              const CollectionGeneration& generation);

// True when `current` (a freshly read marker) shows changes past `baseline`. For mail with
// CONDSTORE on both sides only UIDVALIDITY and HIGHESTMODSEQ count (RFC 7162: every change
// raises it); without it UIDNEXT or MESSAGES moving does. DAV markers compare as text.
bool marker_moved(FolderBackend backend, std::string_view baseline, std::string_view current);

}  // namespace easgate
