#pragma once
// StateStore: the gateway's only persistent state — sync bookkeeping and governance, never
// mail content and never credentials (DESIGN.md "State").
//
// Thread-safety: one StateStore object is one database connection and must be used by one
// thread at a time. Worker threads each open their own store on the same file (SQLite WAL
// lets readers and one writer proceed; busy_timeout serialises writers).
//
// Every method is synchronous and coarse: one call is one logical change and one
// transaction, so a crash leaves either the old or the new state, never half of it, and
// calls can later be moved to a blocking pool without chatty round trips.
//
// Errors: kNotFound when the named user/device/generation does not exist, kConflict when
// a generation rule is violated (e.g. two workers commit the same SyncKey), kInvalidArgument
// for values the store refuses, kTimeout when the database stayed locked past the busy
// timeout, kInternal for I/O or library failures.
//
// Implementations: gateway/store/sqlite (default). gateway/store/postgres is planned.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace easgate {

// Wall-clock time as stored (millisecond precision). A default-constructed value (the
// epoch) means "never / not set".
using StoreTime = std::chrono::system_clock::time_point;

// ---------------------------------------------------------------------------------------
// Users

struct UserRecord {
  std::string user_id;      // mailbox address as authenticated, e.g. "alice@example.test"
  bool eas_enabled = true;  // false: the enablement check refuses every EAS request
  std::string eas_reason;   // why enablement was last changed (admin note, rule name)
  StoreTime created_at;     // first time the user was seen
  StoreTime updated_at;     // last change to this record
};

// ---------------------------------------------------------------------------------------
// Devices

// Who identifies a device: MS-ASHTTP DeviceId is unique per user, not globally.
struct DeviceKey {
  std::string user_id;    // owner mailbox address
  std::string device_id;  // MS-ASHTTP DeviceId query parameter (<= 32 chars in practice)
};

// Result of the device access rules (rules/device_access), as last decided.
enum class DeviceAccessState : uint8_t {
  kPending,      // no decision recorded yet (a new device); the access check decides
  kAllowed,      // may sync
  kBlocked,      // refused (HTTP 403 / status 129)
  kQuarantined,  // held until an admin allows it (status 141 style answers)
};

// Where the device is in MS-ASPROV provisioning.
enum class PolicyStatus : uint8_t {
  kNone,          // never provisioned
  kProvisioned,   // policy sent with a temporary key, acknowledgement outstanding
  kAcknowledged,  // client acknowledged with status 1; policy_key is final
  kPartial,       // client acknowledged with status 2 (could not apply all settings)
};

// Remote wipe life cycle (MS-ASPROV 3.2.5.1.2).
enum class WipeState : uint8_t {
  kNone,          // no wipe requested (or cancelled)
  kRequested,     // an admin asked for a wipe; the next request gets RemoteWipe
  kSent,          // the RemoteWipe directive was sent to the device
  kAcknowledged,  // the device confirmed the wipe (Provision with RemoteWipe Status 1)
};

// What a wipe erases.
enum class WipeKind : uint8_t {
  kFull,         // whole device (Provision RemoteWipe)
  kAccountOnly,  // only this account's data (AccountOnlyRemoteWipe, EAS 16.1)
};

// Settings DeviceInformation (MS-ASCMD 2.2.3.45); every field optional, empty when unsent.
struct DeviceInfo {
  std::string model;            // Model
  std::string imei;             // IMEI
  std::string os;               // OS
  std::string os_language;      // OSLanguage
  std::string phone_number;     // PhoneNumber
  std::string friendly_name;    // FriendlyName
  std::string mobile_operator;  // MobileOperator
  std::string user_agent;       // UserAgent as the device reports it (schema 2)
  bool enable_outbound_sms = false;  // EnableOutboundSMS: device can send SMS via EAS (schema 2)
};

struct WipeRecord {
  WipeState state = WipeState::kNone;  // where the wipe is in its life cycle
  WipeKind kind = WipeKind::kFull;     // meaningful when state != kNone
  StoreTime requested_at;              // when the admin asked
  std::string requested_by;            // admin identity that asked
  StoreTime sent_at;                   // when RemoteWipe went to the device
  StoreTime acknowledged_at;           // when the device confirmed
};

struct DeviceRecord {
  std::string user_id;           // owner mailbox address
  std::string device_id;         // MS-ASHTTP DeviceId
  std::string device_type;       // MS-ASHTTP DeviceType, e.g. "iPhone"
  std::string user_agent;        // last User-Agent header seen
  std::string protocol_version;  // last MS-ASProtocolVersion used, e.g. "16.1"
  DeviceInfo info;               // last Settings DeviceInformation sent by the device
  StoreTime first_seen;          // first request from this device
  StoreTime last_seen;           // latest request from this device
  std::map<std::string, uint64_t> command_counts;  // EAS command name -> requests served
  DeviceAccessState access_state = DeviceAccessState::kPending;  // last access decision
  std::string access_reason;      // why: rule name, admin note
  std::string policy_name;        // provisioning policy applied, empty when none
  uint32_t policy_key = 0;        // MS-ASPROV PolicyKey last issued; 0 = none
  PolicyStatus policy_status = PolicyStatus::kNone;  // provisioning progress
  std::string recovery_password;  // Settings DevicePassword (MS-ASCMD 2.2.3.46); never log
  WipeRecord wipe;                // remote wipe state
  // True when access_state was set by an admin (set_device_access) rather than by the
  // access rules (record_access_decision); an admin decision outranks every rule.
  bool access_by_admin = false;
  StoreTime quarantine_notified_at;  // when the quarantine notice mail went out; epoch = never
};

// A personal exemption (Exchange: ActiveSyncAllowedDeviceIDs / ActiveSyncBlockedDeviceIDs):
// one user's one device id is always allowed or always blocked, whatever the rules say.
enum class DeviceExemptionKind : uint8_t {
  kAllow,  // always allowed (rules and the org default are not consulted)
  kBlock,  // always blocked
};

struct DeviceExemptionRecord {
  std::string user_id;    // mailbox address the exemption belongs to
  std::string device_id;  // MS-ASHTTP DeviceId; may name a device not seen yet
  DeviceExemptionKind kind = DeviceExemptionKind::kAllow;  // allow or block
  std::string note;       // admin note (who, why)
  StoreTime created_at;   // when it was set
};

// Everything the governance checks of one request read about its user and device
// (enablement, device limit, access rules, exemption, wipe, policy key), from one SELECT.
struct RequestGovernanceRow {
  std::optional<UserRecord> user;                  // nullopt: the user was never seen
  std::optional<DeviceRecord> device;              // nullopt: a new device; no command_counts
  std::optional<DeviceExemptionRecord> exemption;  // the user's exemption for this device id
  size_t user_devices = 0;                         // devices known for the user
  int64_t governance_revision = 0;                 // as governance_revision() returns it
};

// ---------------------------------------------------------------------------------------
// Governance added through the admin API (schema 3)

// One condition of an API-added device access rule. Stored as the names the YAML and the
// admin API use; the pipeline maps them onto rules/ enums (the store does not interpret
// them, so a rule written by a newer easgate is still listed, and skipped with a warning).
struct StoredRuleCondition {
  std::string field;    // "device_type", "device_model", "device_os", "user_agent", "user", "group"
  std::string kind;     // "exact", "prefix" or "glob"
  std::string pattern;  // compared case-insensitively by the rules
};

// A device access rule an admin added (New-ActiveSyncDeviceAccessRule). API rules are
// evaluated after the YAML rules, in `position` order (see rules/device_access).
struct StoredAccessRule {
  std::string name;  // unique among API rules, ASCII case-insensitive
  // 1-based order among API rules. On add: 0 appends, 1..count+1 inserts there and moves
  // the rules at or after it down by one.
  uint32_t position = 0;
  std::string action;                           // "allow", "block" or "quarantine"
  std::vector<StoredRuleCondition> conditions;  // all must match; never empty
  std::string created_by;                       // admin identity that added it
  StoreTime created_at;                         // when it was added
};

// Who a policy assignment names.
enum class AssigneeKind : uint8_t {
  kUser,   // one user id (stored lower-cased)
  kGroup,  // a group from governance.groups (stored as written)
};

// An admin's policy assignment; it overrides the YAML assignment for the same user or group.
struct PolicyAssignmentRecord {
  AssigneeKind kind = AssigneeKind::kUser;  // user or group
  std::string assignee;                     // user id or group name
  std::string policy_name;                  // a policy from governance.policies
  std::string assigned_by;                  // admin identity
  StoreTime assigned_at;                    // when it was set
};

// ---------------------------------------------------------------------------------------
// Folder hierarchy (FolderSync)

struct FolderEntry {
  std::string server_id;         // opaque folder id given to the client (<= 64 chars)
  std::string parent_server_id;  // parent folder's server_id; "0" = root
  std::string display_name;      // name shown on the device
  int type = 0;                  // MS-ASCMD FolderSync Type 1..19
  std::string backend_ref;       // e.g. "imap:INBOX", "dav:/alice/calendar/"
  // MAILBOXID, UIDVALIDITY or href; tells a rename (same identity) from delete + add.
  std::string backend_identity;
};

struct FolderHierarchySnapshot {
  uint32_t sync_key = 0;             // FolderSync SyncKey this snapshot was sent with
  std::vector<FolderEntry> folders;  // the complete hierarchy at that key
};

// ---------------------------------------------------------------------------------------
// Per-collection sync state (Sync)

// One collection (folder) as seen by one device.
// A mailbox as seen by a user, for per-message metadata (follow-up flag details): the
// message itself is (this, UID), independent of device and collection.
struct MessageMetaKey {
  std::string user_id;   // authenticated user
  std::string mailbox;   // IMAP mailbox name (wire form)
  uint32_t uidvalidity;  // IMAP UIDVALIDITY: a new value orphans the old rows
};

// An "always move" conversation of a user (MS-ASCON 2.2.2.8 ItemOperations MoveAlways):
// its future messages go to `destination` from every folder but Sent Items.
struct ConversationRule {
  std::string conversation_id;  // email2:ConversationId as Sync sends it (raw bytes)
  std::string destination;      // IMAP mailbox name (wire form) the messages go to
  StoreTime created{};          // when the device set the rule
};

struct CollectionKey {
  std::string user_id;        // owner mailbox address
  std::string device_id;      // MS-ASHTTP DeviceId
  std::string collection_id;  // folder server_id from the hierarchy (Sync CollectionId)
};

// One SyncKey generation of a collection: what the server knew when it issued that key.
struct CollectionGeneration {
  uint32_t generation = 0;      // the Sync SyncKey (1, 2, ...); 0 is never stored
  std::string folder_identity;  // IMAP UIDVALIDITY or DAV collection identity
  std::string cursor;           // IMAP HIGHESTMODSEQ / last UID snapshot, DAV sync-token
  // Opaque snapshot of changes still pending after this window (MoreAvailable), so the
  // next window walks the same list instead of recomputing (DESIGN.md "Windowing").
  std::string pending_window;
  StoreTime committed_at;  // when this generation was written
};

// A ServerId <-> backend item id pair.
struct ItemMapping {
  std::string server_id;   // opaque id given to the client: "<collection_id>:<n>"
  std::string backend_id;  // IMAP UID, DAV href, ... (unique within the collection)
};

// Changes to a collection's item map. Lists are applied in this order: removals, rebinds,
// additions. Cost is O(size of the lists), never O(items in the folder).
struct ItemMapUpdate {
  // Items that appeared; the store assigns a new ServerId to each, in order.
  std::vector<std::string> add_backend_ids;
  // Items that left the collection (deleted, moved away); unknown ids are ignored.
  std::vector<std::string> remove_server_ids;
  // Same ServerId, new backend id (e.g. a draft re-appended under a new UID).
  std::vector<ItemMapping> rebind;
};

// What commit_collection_generation writes.
struct CollectionCommit {
  // The SyncKey the client sent (0 for the initial sync); the new generation is base + 1.
  uint32_t base_generation = 0;
  std::string folder_identity;  // identity of the backend folder at the new generation
  std::string cursor;           // backend cursor at the new generation
  std::string pending_window;   // opaque window snapshot (empty when none pending)
  ItemMapUpdate items;          // map changes covered by the new SyncKey
  StoreTime now;                // commit time
  // Empty, or parallel to items.add_backend_ids: the ClientId of each client Add, "" for
  // items the server found. Each is recorded with the ServerId it got; a ClientId recorded
  // by a commit from the same base key for the same backend id gets its old ServerId back
  // (a retried request whose response was lost: MS-ASCMD 2.2.3.28.2), so the device never
  // holds the item twice. A ClientId reused under a later key is a new item.
  std::vector<std::string> add_client_ids;
};

// A client Add as recorded by commit_collection_generation (MS-ASCMD 2.2.3.28.2).
struct ClientAddRecord {
  uint32_t generation = 0;  // the SyncKey generation the Add was committed in
  std::string server_id;    // ServerId the Add got
  std::string backend_id;   // backend item it created (IMAP UID, DAV href)
};

struct CollectionCommitResult {
  uint32_t generation = 0;                   // the new SyncKey (base_generation + 1)
  std::vector<std::string> added_server_ids;  // ServerIds for items.add_backend_ids, in order
};

// ---------------------------------------------------------------------------------------
// Per-device request state (schema 5)

// A request a device may later omit and the server must remember for it.
enum class DeviceRequestKind : uint8_t {
  kPing,  // the last accepted Ping's parameters (MS-ASCMD 2.2.3.88.1), as a WBXML Ping
  kSync,  // the last full Sync request, no client commands (MS-ASCMD 2.2.1.21.1), WBXML
};

// ---------------------------------------------------------------------------------------
// Audit log

struct AuditEntry {
  int64_t id = 0;       // assigned by the store, increasing; ignored on append
  StoreTime at;         // when it happened
  std::string actor;    // admin user, "system", or a rule name
  std::string action;   // e.g. "device.block", "device.wipe.request", "user.disable"
  std::string target;   // e.g. "alice@example.test/ApplDNABCDEF"
  std::string details;  // free text or JSON; never a password
};

// ---------------------------------------------------------------------------------------

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Version of the schema in the open database (after migrations).
  virtual Result<int> schema_version() = 0;

  // --- users ----------------------------------------------------------------------------
  // Returns the user, creating it (enabled) on first sight.
  virtual Result<UserRecord> get_or_create_user(const std::string& user_id,
                                                StoreTime now) = 0;
  // kNotFound when the user was never seen.
  virtual Result<UserRecord> get_user(const std::string& user_id) = 0;
  virtual Result<std::vector<UserRecord>> list_users() = 0;
  // Creates the user when missing so an admin can disable someone before first sync.
  virtual Status set_user_eas_enabled(const std::string& user_id, bool enabled,
                                      const std::string& reason, StoreTime now) = 0;

  // --- devices --------------------------------------------------------------------------
  // Called once per request: creates user and device on first sight (access kPending),
  // otherwise bumps last_seen and refreshes type, user agent and protocol version.
  // Returns the device as stored after the update, so the pipeline reads its access,
  // policy and wipe state without a second query.
  virtual Result<DeviceRecord> upsert_device_seen(const DeviceKey& key,
                                                  const std::string& device_type,
                                                  const std::string& user_agent,
                                                  const std::string& protocol_version,
                                                  StoreTime now) = 0;
  // Adds one to the counter of `command` (one UPSERT). kNotFound for an unknown device.
  virtual Status increment_command_count(const DeviceKey& key, const std::string& command) = 0;
  // kNotFound when unknown.
  virtual Result<DeviceRecord> get_device(const DeviceKey& key) = 0;
  // Every device, or only `user_id`'s when it is set; ordered by user, then device id.
  virtual Result<std::vector<DeviceRecord>> list_devices(
      const std::optional<std::string>& user_id) = 0;
  // Removes the device and all its folder and collection state.
  virtual Status delete_device(const DeviceKey& key) = 0;

  // Typed setters; each returns kNotFound for an unknown device.
  virtual Status set_device_info(const DeviceKey& key, const DeviceInfo& info) = 0;
  virtual Status set_device_access(const DeviceKey& key, DeviceAccessState state,
                                   const std::string& reason) = 0;
  virtual Status set_device_policy(const DeviceKey& key, const std::string& policy_name,
                                   uint32_t policy_key, PolicyStatus status) = 0;
  virtual Status set_recovery_password(const DeviceKey& key, const std::string& password) = 0;
  // Wipe life cycle. request_wipe starts (or restarts) at kRequested. mark_wipe_sent and
  // mark_wipe_acknowledged need a wipe in kRequested or kSent (a directive may be sent
  // again; an acknowledgement may arrive before kSent was recorded), else kConflict.
  // cancel_wipe returns to kNone unless the wipe was already acknowledged (kConflict).
  virtual Status request_wipe(const DeviceKey& key, WipeKind kind,
                              const std::string& requested_by, StoreTime now) = 0;
  virtual Status mark_wipe_sent(const DeviceKey& key, StoreTime now) = 0;
  virtual Status mark_wipe_acknowledged(const DeviceKey& key, StoreTime now) = 0;
  virtual Status cancel_wipe(const DeviceKey& key) = 0;

  // --- governance (schema 2) -----------------------------------------------------------
  // set_device_access above is the ADMIN decision: it marks the device access_by_admin
  // (kPending clears the admin decision and lets the rules decide again).
  // record_access_decision stores what the access rules decided and never overrides an
  // admin decision (returns ok and changes nothing then). kNotFound for an unknown device.
  virtual Status record_access_decision(const DeviceKey& key, DeviceAccessState state,
                                        const std::string& reason) = 0;
  // Claims the right to send the quarantine notice: true exactly once per device (the
  // first caller), false afterwards. set_device_access(kAllowed) does not reset it.
  virtual Result<bool> claim_quarantine_notice(const DeviceKey& key, StoreTime now) = 0;
  // Admin: lets a device whose wipe was acknowledged come back (wipe state -> kNone).
  // kConflict when no acknowledged wipe exists.
  virtual Status clear_wipe(const DeviceKey& key) = 0;
  // Devices known for `user_id` (0 for an unknown user).
  virtual Result<size_t> count_devices(const std::string& user_id) = 0;
  // Personal exemptions. set_ replaces an existing one for the same user + device id;
  // remove_ returns kNotFound when there is none.
  virtual Status set_device_exemption(const DeviceExemptionRecord& exemption) = 0;
  virtual Status remove_device_exemption(const DeviceKey& key) = 0;
  // kNotFound when the user has no exemption for that device id.
  virtual Result<DeviceExemptionRecord> get_device_exemption(const DeviceKey& key) = 0;
  // All exemptions, or only `user_id`'s; ordered by user, then device id.
  virtual Result<std::vector<DeviceExemptionRecord>> list_device_exemptions(
      const std::optional<std::string>& user_id) = 0;

  // The request's governance facts in one statement (the pipeline reads this once per
  // request instead of user, device, exemption and revision one by one).
  virtual Result<RequestGovernanceRow> load_request_governance(const DeviceKey& key) = 0;

  // --- governance added through the admin API (schema 3) ---------------------------------
  // A number that changes whenever an API rule or a policy assignment changes (in any
  // connection). Workers compare it with the one their cached copy was read at, so they
  // re-read rules only after a change: one single-row SELECT instead of the lists.
  virtual Result<int64_t> governance_revision() = 0;
  // Adds `rule` at rule.position (see StoredAccessRule) in one transaction; returns the
  // position it got. kConflict when an API rule of that name exists, kInvalidArgument for
  // a position past count+1, an empty name or no conditions.
  virtual Result<uint32_t> add_access_rule(const StoredAccessRule& rule) = 0;
  // Removes the rule and closes the gap in the positions. kNotFound when there is none.
  virtual Status remove_access_rule(const std::string& name) = 0;
  // Every API rule, by position (1, 2, ... without gaps).
  virtual Result<std::vector<StoredAccessRule>> list_access_rules() = 0;
  // Sets (or replaces) the assignment of the user or group.
  virtual Status set_policy_assignment(const PolicyAssignmentRecord& assignment) = 0;
  // kNotFound when the user or group has no API assignment.
  virtual Status remove_policy_assignment(AssigneeKind kind, const std::string& assignee) = 0;
  // Every API assignment: users first, then groups, each by name.
  virtual Result<std::vector<PolicyAssignmentRecord>> list_policy_assignments() = 0;

  // --- folder hierarchy (FolderSync) ----------------------------------------------------
  // The snapshot sent with `sync_key` if it is the current or the previous generation,
  // kNotFound otherwise. Serving the previous one lets a client that lost the response
  // retry with its old key and get the same answer (MS-ASCMD 2.2.3.181.2; the caller
  // chooses FolderSync status 9 on kNotFound).
  virtual Result<FolderHierarchySnapshot> load_folder_hierarchy(const DeviceKey& key,
                                                                uint32_t sync_key) = 0;
  // The newest snapshot; kNotFound before the first commit (or after a reset).
  virtual Result<FolderHierarchySnapshot> load_current_folder_hierarchy(
      const DeviceKey& key) = 0;
  // In one transaction: `snapshot` becomes current, the old current becomes previous and
  // older ones are deleted. kConflict unless snapshot.sync_key is greater than the current
  // key (another worker already committed it). kNotFound for an unknown device.
  virtual Status commit_folder_hierarchy(const DeviceKey& key,
                                         const FolderHierarchySnapshot& snapshot) = 0;
  // A fresh folder ServerId for this device, never handed out before, even across
  // resets (a persistent per-device counter; short decimal string).
  virtual Result<std::string> allocate_folder_server_id(const DeviceKey& key) = 0;
  // FolderSync SyncKey 0: forgets every hierarchy snapshot and every collection sync state
  // of the device, in one transaction. The ServerId counter is kept.
  virtual Status reset_folder_hierarchy(const DeviceKey& key) = 0;

  // --- collection sync state (Sync) -----------------------------------------------------
  // Generation `generation` if it is the current or the previous one, kNotFound otherwise.
  virtual Result<CollectionGeneration> load_collection_state(const CollectionKey& key,
                                                             uint32_t generation) = 0;
  // The newest generation; kNotFound when the collection was never synced.
  virtual Result<CollectionGeneration> load_current_collection_state(
      const CollectionKey& key) = 0;
  // Writes generation base+1 with its item map changes in one transaction.
  //  - base == 0: initial sync; any earlier state of the collection is dropped.
  //  - base == current: the client proved it has `base`; base-1 and items removed by
  //    `base` are dropped, `base` is kept as previous.
  //  - base == current-1: the client retried with the previous key (the response carrying
  //    `current` was lost), so `current` is discarded and replaced.
  //  - anything else: kNotFound (the caller answers with an invalid-SyncKey status).
  virtual Result<CollectionCommitResult> commit_collection_generation(
      const CollectionKey& key, const CollectionCommit& commit) = 0;
  // Applies map changes to the current generation without issuing a new SyncKey (e.g.
  // MoveItems: the item leaves one collection and enters another, and the client already
  // knows both). kNotFound when the collection has no state. Returns the new ServerIds.
  virtual Result<std::vector<std::string>> map_items(const CollectionKey& key,
                                                     const ItemMapUpdate& update) = 0;
  // Backend ids of `server_ids` as known at `generation` (current or previous); a
  // std::nullopt entry where the ServerId is unknown. O(len(server_ids)).
  virtual Result<std::vector<std::optional<std::string>>> lookup_by_server_ids(
      const CollectionKey& key, uint32_t generation,
      const std::vector<std::string>& server_ids) = 0;
  // ServerIds of `backend_ids` as known at `generation`; std::nullopt where unknown.
  virtual Result<std::vector<std::optional<std::string>>> lookup_by_backend_ids(
      const CollectionKey& key, uint32_t generation,
      const std::vector<std::string>& backend_ids) = 0;
  // The whole map at `generation`, ordered by ServerId number. O(items): only for full
  // comparisons (backend without change tracking), not for every Sync.
  virtual Result<std::vector<ItemMapping>> list_items(const CollectionKey& key,
                                                      uint32_t generation) = 0;
  // Drops every generation and item of the collection (UIDVALIDITY changed, folder
  // deleted). The ServerId counter is kept so ServerIds are never reused.
  virtual Status reset_collection(const CollectionKey& key) = 0;
  // The client Add recorded for `client_id` (CollectionCommit::add_client_ids) while the
  // key it was committed in is still live; nullopt when there is none. Only requests with
  // Adds call it, so it is off the no-change path.
  virtual Result<std::optional<ClientAddRecord>> find_client_add(const CollectionKey& key,
                                                                 const std::string& client_id) = 0;

  // --- per-device request state (schema 5) -----------------------------------------------
  // Replaces the device's remembered request of `kind` (opaque bytes, at most 1 MiB);
  // empty `body` forgets it. kNotFound for an unknown device.
  virtual Status put_device_request(const DeviceKey& key, DeviceRequestKind kind,
                                    std::string_view body, StoreTime now) = 0;
  // kNotFound when nothing is remembered.
  virtual Result<std::string> get_device_request(const DeviceKey& key,
                                                 DeviceRequestKind kind) = 0;

  // --- per-message metadata (Email Sync) -------------------------------------------------
  // Stores `meta` for message `uid`; empty `meta` deletes the row.
  virtual Status put_message_meta(const MessageMetaKey& key, uint32_t uid,
                                  std::string_view meta, StoreTime now) = 0;
  // Every (uid, meta) pair stored for the mailbox, ascending UID: few rows (only messages
  // with flag details), so one read serves a whole Sync window.
  virtual Result<std::vector<std::pair<uint32_t, std::string>>> list_message_meta(
      const MessageMetaKey& key) = 0;

  // --- conversation rules (ItemOperations Move with MoveAlways) ---------------------------
  // Sets the user's rule for rule.conversation_id (a later Move replaces the destination).
  virtual Status put_conversation_rule(const std::string& user_id,
                                       const ConversationRule& rule) = 0;
  // Every rule of the user, oldest first: few rows, read once per Sync window with new mail.
  virtual Result<std::vector<ConversationRule>> list_conversation_rules(
      const std::string& user_id) = 0;

  // --- audit log ------------------------------------------------------------------------
  // Appends one entry; returns its id.
  virtual Result<int64_t> append_audit(const AuditEntry& entry) = 0;
  // Entries with at >= since, oldest first, at most `limit`.
  virtual Result<std::vector<AuditEntry>> list_audit(StoreTime since, size_t limit) = 0;
};

}  // namespace easgate
