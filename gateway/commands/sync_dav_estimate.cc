#include <algorithm>

#include "gateway/commands/sync_dav.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"
#include "gateway/sync/dav_sync_state.h"

namespace easgate {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& href) {
  return std::find(list.begin(), list.end(), href) != list.end();
}

}  // namespace

void estimate_dav_collection(std::shared_ptr<RequestContext> request, std::string collection_id,
                             std::string href, uint32_t sync_key,
                             std::function<void(Result<uint64_t>)> done) {
  CollectionKey ck{request->credentials.user, request->eas->device_id, collection_id};
  auto state = request->services.store->load_collection_state(ck, sync_key);
  std::optional<DavCursor> cursor;
  std::optional<DavPendingWindow> pending;
  if (state.is_ok()) {
    cursor = decode_dav_cursor(state->cursor);
    pending = decode_dav_pending_window(state->pending_window);
  }
  if (!state.is_ok() || !cursor || !pending || state->folder_identity != href ||
      !request->services.collection_store) {
    // Like the Email branch of GetItemEstimate: a bad key is answered at once.
    return done(state.is_ok() ? Status::invalid_argument("unusable DAV sync state")
                              : Status(state.status()));
  }
  std::vector<DavItemRef> snapshot;
  for (const auto& [h, etag] : cursor->known) snapshot.push_back(DavItemRef{h, etag});
  auto held = std::make_shared<std::pair<DavCursor, DavPendingWindow>>(std::move(*cursor),
                                                                      std::move(*pending));
  request->services.collection_store->sync_changes(
      request->credentials, href, held->first.sync_token, snapshot,
      [held, done](Result<DavChanges> changes) {
        const DavCursor& known = held->first;
        const DavPendingWindow& window = held->second;
        // What the stored MoreAvailable list still holds is sent whatever the server says.
        uint64_t count = window.removed.size() + window.changed.size();
        if (!changes.is_ok()) return done(changes.status());
        // A refused token (RFC 6578 3.2) makes the next Sync diff a listing; the window is
        // the best figure without walking the collection here.
        if (changes->token_invalid) return done(count);
        for (const DavItemRef& ref : changes->changed) {
          if (contains(window.changed, ref.href)) continue;
          auto it = known.known.find(ref.href);
          // The version the device holds (our own write) is not echoed, so not counted.
          if (it != known.known.end() && !ref.etag.empty() && it->second == ref.etag) continue;
          ++count;
        }
        for (const std::string& gone : changes->removed) {
          if (known.known.count(gone) && !contains(window.removed, gone)) ++count;
        }
        done(count);
      });
}

}  // namespace easgate
