#pragma once
// The request side of the mailbox searches: Search with Store Name "Mailbox" (MS-ASCMD
// 2.2.1.16) and Find with MailBoxSearchCriterion (MS-ASCMD 2.2.1.2, 16.1), parsed into one
// MailboxSearchRequest that search_mailbox.h runs against the MailStore. Also the "m-n"
// Range string that Search, Find and ItemOperations share.
//
// Pure and synchronous; never fails on bad input: it reports the Store / Find status the
// spec names for it. Fuzzed by tests/fuzz/mail_query_fuzz.cc.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/mail_store.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// Search Store Status values (MS-ASCMD 2.2.3.177.16).
enum SearchStoreStatus : int {
  kSearchSuccess = 1,              // the search ran (whether or not anything matched)
  kSearchInvalidRequest = 2,       // malformed Query / Options (a protocol violation)
  kSearchServerError = 3,          // the backend failed
  kSearchTooComplex = 8,           // a query shape the gateway cannot run (e.g. Or of texts)
  kSearchFolderSyncRequired = 11,  // a CollectionId the device's hierarchy does not hold
};

// Find Status values (MS-ASCMD 2.2.3.177.2).
enum FindStatus : int {
  kFindSuccess = 1,             // the search ran
  kFindInvalidRequest = 2,      // malformed request, or a criterion the gateway cannot run
  kFindFolderSyncRequired = 3,  // the folder hierarchy changed: FolderSync first
};

// A zero-based, inclusive byte or row range "m-n" (MS-ASCMD 2.2.3.143).
struct IndexRange {
  uint64_t first = 0;  // m
  uint64_t last = 0;   // n, >= first
};

// Parses "m-n" with m <= n, decimal, no signs or spaces; nullopt otherwise.
std::optional<IndexRange> parse_index_range(std::string_view text);
// Formats "m-n".
std::string format_index_range(uint64_t first, uint64_t last);

// Largest page a Search or Find answers at once (Exchange answers at most 100 rows too).
inline constexpr uint64_t kMaxSearchRows = 100;

// What a mailbox search asks for, whichever command it came from.
struct MailboxSearchRequest {
  // Folder ServerIds to search (airsync:CollectionId); empty: every mail folder.
  std::vector<std::string> collection_ids;
  // Options DeepTraversal: also search the subfolders of collection_ids.
  bool deep_traversal = false;
  // Options RebuildResults: the gateway keeps no result cache, so it only documents intent.
  bool rebuild_results = false;
  // The criteria (mailboxes left empty: filled from collection_ids when run).
  MailSearchQuery query;
  // Rows wanted (Options Range; default 0-99), clamped to kMaxSearchRows rows.
  IndexRange rows{0, kMaxSearchRows - 1};
  // airsync:Class named a class a mailbox search over IMAP holds nothing of (Calendar,
  // Contacts, Tasks...): the answer is an empty result, not an error.
  bool no_mail_class = false;
  // The Options element (its BodyPreference / MIMESupport children), nullptr when absent;
  // points into the request document, valid as long as it is.
  const WbxmlElement* options = nullptr;
};

// A parse outcome: `status` is kSearchSuccess / kFindSuccess when `request` is usable.
struct ParsedMailboxSearch {
  int status = 0;                // SearchStoreStatus or FindStatus
  std::string why;               // for the log line when status is not success
  MailboxSearchRequest request;  // meaningful only on success
};

// Search: `store` is the search:Store element. Its Name must be "Mailbox" (the caller
// answers other stores). Query grammar supported (MS-ASCMD 2.2.3.138.2 Query):
//   Query := And | FreeText | criterion
//   And   := { airsync:Class | airsync:CollectionId | FreeText | GreaterThan | LessThan
//             | EqualTo | Or }
//   GreaterThan / LessThan := email:DateReceived Value   (MS-ASDTYPE dateTime)
//   EqualTo := (email:From | email:To | email:Subject) Value   (substring match, IMAP)
//   Or    := { airsync:CollectionId }   (any other Or is kSearchTooComplex)
// ConversationId criteria are kSearchTooComplex: IMAP cannot search by the derived id.
ParsedMailboxSearch parse_search_store(const WbxmlElement& store);

// Find: `find` is the find:Find element (MS-ASCMD 2.2.3.69): SearchId, ExecuteSearch with
// MailBoxSearchCriterion { Query { airsync:Class, airsync:CollectionId, FreeText }, Options
// { Range, DeepTraversal } }. A GalSearchCriterion is kFindInvalidRequest (no GAL here).
ParsedMailboxSearch parse_find_request(const WbxmlElement& find);

// MS-ASDTYPE 2.3 dateTime "YYYY-MM-DDTHH:MM:SS(.sss)Z" (also without the fraction or Z) to
// epoch seconds; nullopt for anything else.
std::optional<int64_t> parse_eas_datetime(std::string_view text);

}  // namespace easgate
