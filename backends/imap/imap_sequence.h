#pragma once
// UID sets (RFC 3501 9 sequence-set, uid-set of RFC 4315) and the responses that carry
// them: SEARCH / ESEARCH (RFC 4731), VANISHED (RFC 7162 3.2.10), COPYUID / APPENDUID
// (RFC 4315 3). Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/imap/imap_parser.h"
#include "gateway/core/status.h"

namespace easgate {

// "1:3,7,9:10" for the UIDs (any order, duplicates and 0 dropped). Empty for none.
std::string format_uid_set(std::vector<uint32_t> uids);

// Expands "1:3,7" into UIDs in the order written; ranges may be reversed ("5:3").
// "*" is rejected (a server never sends it in these responses). `max_count` caps the
// expansion (too_large beyond it) so a hostile "1:4294967295" cannot exhaust memory.
Result<std::vector<uint32_t>> parse_uid_set(std::string_view text, size_t max_count);

// The UIDs of a search: every "* SEARCH n..." or "* ESEARCH ... UID ALL set" response in
// `untagged`; also the COUNT of ESEARCH when present (else the number of UIDs).
struct ImapSearchResult {
  // Matching UIDs, ascending.
  std::vector<uint32_t> uids;
  // Matching messages in all.
  size_t count = 0;
};
Result<ImapSearchResult> search_result(const std::vector<ImapResponse>& untagged, size_t max_count);

// UIDs of "* VANISHED [(EARLIER)] set" responses in `untagged`, ascending, deduplicated.
Result<std::vector<uint32_t>> vanished_uids(const std::vector<ImapResponse>& untagged,
                                            size_t max_count);

// COPYUID uidvalidity source-set dest-set: the (source, destination) pairs in order.
struct ImapCopyUid {
  // UIDVALIDITY of the destination.
  uint32_t uidvalidity = 0;
  // (source UID, destination UID).
  std::vector<std::pair<uint32_t, uint32_t>> uids;
};
// Finds COPYUID in the tagged code or in untagged OK codes (UID MOVE sends it untagged,
// RFC 6851 4.3). nullopt-like: uidvalidity 0 when absent.
Result<ImapCopyUid> find_copyuid(const std::string& code, const std::vector<ImapValue>& code_args,
                                 const std::vector<ImapResponse>& untagged, size_t max_count);

}  // namespace easgate
