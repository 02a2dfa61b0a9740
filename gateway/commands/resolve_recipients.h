#pragma once
// ResolveRecipients (MS-ASCMD 2.2.1.15): each To (a name or an address) is resolved
// against the GAL (search_gal.h) and the user's own address books; with
// Options/Availability each recipient gets its
// MergedFreeBusy from the CalDAV server's free-busy-query (CollectionStore::freebusy) for
// the window in 30-minute slots; with CertificateRetrieval 2/3 each recipient gets the
// X.509 certificates of its vCard's KEY properties (Status 7 when it has none).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/collection_store.h"
#include "gateway/commands/command_handler.h"

namespace easgate {

class ResolveRecipientsHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

// MS-ASCMD 2.2.3.107: one digit per 30-minute slot of [start, end): 0 free, 1 tentative,
// 2 busy, 3 out of office; a slot takes the highest value that touches it.
std::string merged_free_busy(const std::vector<BusyInterval>& busy,
                             std::chrono::sys_seconds start, std::chrono::sys_seconds end);

// "2030-01-07T09:00:00.000Z" (or without the fraction) -> UTC seconds; nullopt otherwise.
std::optional<std::chrono::sys_seconds> parse_eas_utc(std::string_view text);

}  // namespace easgate
