#pragma once
// A Sync request body (MS-ASCMD 2.2.1.21) taken apart into plain structs, so the engine
// never walks WBXML and the parser can be fuzzed alone. Email class client changes are
// decoded here too (MS-ASEMAIL Read, Flag, Categories).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/status.h"
#include "gateway/eas/wbxml/wbxml_element.h"
#include "gateway/sync/email_sync_state.h"

namespace easgate {

// MS-ASCMD 2.2.3.177.17 Sync Status values.
enum SyncStatus : int {
  kSyncSuccess = 1,              // success
  kSyncInvalidKey = 3,           // invalid or mismatched SyncKey: the client resyncs (key 0)
  kSyncProtocolError = 4,        // malformed request or unknown element value
  kSyncServerError = 5,          // server error; the client retries later
  kSyncConversionError = 6,      // the item could not be converted (e.g. an Add we refuse)
  kSyncConflict = 7,             // client and server changed the same item; server won
  kSyncObjectNotFound = 8,       // the ServerId is unknown
  kSyncCannotComplete = 9,       // the command cannot be completed (e.g. out of space)
  kSyncHierarchyChanged = 12,    // the CollectionId is unknown: FolderSync first
  kSyncIncompleteRequest = 13,   // empty or partial Sync without a cached request
  kSyncInvalidWait = 14,         // Wait or HeartbeatInterval out of range
  kSyncTooManyCollections = 15,  // too many collections
  kSyncRetry = 16,               // transient; retry
};

// MS-ASEMAIL 2.2.2.34 Flag Status values.
enum class FlagStatus : uint8_t {
  kCleared = 0,   // no flag
  kComplete = 1,  // follow-up done
  kActive = 2,    // flagged for follow-up
};

// One client Change of an Email item: only the fields the device sent are set.
struct EmailClientChange {
  // AirSync:ServerId of the item.
  std::string server_id;
  // email:Read when sent.
  std::optional<bool> read;
  // email:Flag when sent; an empty Flag element means kCleared.
  std::optional<FlagStatus> flag;
  // The other children of email:Flag (FlagType, dates, reminder, completion) when sent.
  std::vector<FlagMeta::Field> flag_fields;
  // email:Categories when sent (an empty element clears them).
  std::optional<std::vector<std::string>> categories;
  // AirSync:ApplicationData as sent: a 16.0 draft Change is recomposed from it.
  std::optional<WbxmlElement> application_data;
};

// One client Add (refused for Email outside Drafts/SMS; answered per ClientId).
struct ClientAdd {
  // AirSync:ClientId the device uses until it learns the ServerId.
  std::string client_id;
  // AirSync:Class when the Add carries one (SMS); empty otherwise.
  std::string class_name;
  // AirSync:ApplicationData as sent (drafts and SMS are composed from it).
  std::optional<WbxmlElement> application_data;
};

// One Collection of a Sync request (MS-ASCMD 2.2.3.29.2).
struct SyncCollectionRequest {
  // AirSync:SyncKey as text (echoed on errors).
  std::string sync_key_text;
  // Parsed SyncKey; nullopt when it is not a number (Status 3).
  std::optional<uint32_t> sync_key;
  // AirSync:CollectionId.
  std::string collection_id;
  // AirSync:Class (2.5 / 12.x requests); empty when absent.
  std::string class_name;
  // AirSync:GetChanges as sent; nullopt when absent (then true unless SyncKey is 0).
  std::optional<bool> get_changes;
  // AirSync:WindowSize of the collection; nullopt when absent.
  std::optional<uint32_t> window_size;
  // AirSync:DeletesAsMoves; default true (MS-ASCMD 2.2.3.43).
  bool deletes_as_moves = true;
  // AirSync:Conflict: 0 client wins, 1 server wins (default, MS-ASCMD 2.2.3.34).
  int conflict = 1;
  // AirSync:FilterType (0 all .. 5 one month for Email).
  int filter_type = 0;
  // AirSync:ConversationMode (14.0+); nullopt when absent.
  std::optional<bool> conversation_mode;
  // The Options element for the Email class (a copy); empty tag when none was sent.
  std::optional<WbxmlElement> options;
  // An Options element with Class SMS was sent (MS-ASCMD 2.2.3.125.6, 14.0+: the device
  // wants SMS items); nullopt when the collection carried no Options at all, so the choice
  // the device made earlier holds (Options persist until the device sends new ones).
  std::optional<bool> sms_options;
  // Commands/Change entries.
  std::vector<EmailClientChange> changes;
  // Commands/Delete ServerIds.
  std::vector<std::string> deletes;
  // Commands/Fetch ServerIds.
  std::vector<std::string> fetches;
  // Commands/Add entries.
  std::vector<ClientAdd> adds;
};

// A whole Sync request.
struct SyncRequest {
  // The collections, in request order.
  std::vector<SyncCollectionRequest> collections;
  // Top-level WindowSize (14.1+), applies across collections; nullopt when absent.
  std::optional<uint32_t> window_size;
  // Wait (minutes) or HeartbeatInterval (seconds) was sent: a hanging Sync.
  bool hanging = false;
  // Partial was sent: the collections complete a cached request.
  bool partial = false;
};

// Parses a Sync request. Errors: malformed (Status 4 for the caller) when the root is not
// Sync or a Collection lacks SyncKey or CollectionId.
[[nodiscard]] Result<SyncRequest> parse_sync_request(const WbxmlDocument& document);

// Seconds before `now` that FilterType `filter_type` keeps (MS-ASCMD 2.2.3.69.2); 0 for
// "all" (0) and for values that do not apply to Email.
int64_t filter_type_age_seconds(int filter_type);

}  // namespace easgate
