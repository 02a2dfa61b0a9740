#pragma once
// SqliteStateStore: the class behind open_sqlite_state_store. Internal to
// gateway/store/sqlite; its methods are split by concept across sqlite_state_store.cc (users), devices.cc,
// folders.cc, collections.cc, audit.cc, governance.cc and
// api_governance.cc.

#include <chrono>
#include <memory>
#include <string>

#include "gateway/store/sqlite/sqlite_db.h"
#include "gateway/store/state_store.h"

namespace easgate {

// Stored times are Unix milliseconds; 0 is "not set".
inline int64_t to_unix_ms(StoreTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline StoreTime from_unix_ms(int64_t ms) {
  return StoreTime(std::chrono::duration_cast<StoreTime::duration>(
      std::chrono::milliseconds(ms)));
}

// Refuses empty or absurdly long keys before they reach SQL: they come from request
// parameters, and a 1 MB DeviceId must not become a row.
Status check_device_key(const DeviceKey& key);
Status check_collection_key(const CollectionKey& key);

class SqliteStateStore final : public StateStore {
 public:
  explicit SqliteStateStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  Result<int> schema_version() override;

  Result<UserRecord> get_or_create_user(const std::string& user_id, StoreTime now) override;
  Result<UserRecord> get_user(const std::string& user_id) override;
  Result<std::vector<UserRecord>> list_users() override;
  Status set_user_eas_enabled(const std::string& user_id, bool enabled,
                              const std::string& reason, StoreTime now) override;

  Result<DeviceRecord> upsert_device_seen(const DeviceKey& key, const std::string& device_type,
                                          const std::string& user_agent,
                                          const std::string& protocol_version,
                                          StoreTime now) override;
  Status increment_command_count(const DeviceKey& key, const std::string& command) override;
  Result<DeviceRecord> get_device(const DeviceKey& key) override;
  Result<std::vector<DeviceRecord>> list_devices(
      const std::optional<std::string>& user_id) override;
  Status delete_device(const DeviceKey& key) override;
  Status set_device_info(const DeviceKey& key, const DeviceInfo& info) override;
  Status set_device_access(const DeviceKey& key, DeviceAccessState state,
                           const std::string& reason) override;
  Status set_device_policy(const DeviceKey& key, const std::string& policy_name,
                           uint32_t policy_key, PolicyStatus status) override;
  Status set_recovery_password(const DeviceKey& key, const std::string& password) override;
  Status request_wipe(const DeviceKey& key, WipeKind kind, const std::string& requested_by,
                      StoreTime now) override;
  Status mark_wipe_sent(const DeviceKey& key, StoreTime now) override;
  Status mark_wipe_acknowledged(const DeviceKey& key, StoreTime now) override;
  Status cancel_wipe(const DeviceKey& key) override;

  Status record_access_decision(const DeviceKey& key, DeviceAccessState state,
                                const std::string& reason) override;
  Result<bool> claim_quarantine_notice(const DeviceKey& key, StoreTime now) override;
  Status clear_wipe(const DeviceKey& key) override;
  Result<size_t> count_devices(const std::string& user_id) override;
  Result<RequestGovernanceRow> load_request_governance(const DeviceKey& key) override;
  Status set_device_exemption(const DeviceExemptionRecord& exemption) override;
  Status remove_device_exemption(const DeviceKey& key) override;
  Result<DeviceExemptionRecord> get_device_exemption(const DeviceKey& key) override;
  Result<std::vector<DeviceExemptionRecord>> list_device_exemptions(
      const std::optional<std::string>& user_id) override;

  Result<int64_t> governance_revision() override;
  Result<uint32_t> add_access_rule(const StoredAccessRule& rule) override;
  Status remove_access_rule(const std::string& name) override;
  Result<std::vector<StoredAccessRule>> list_access_rules() override;
  Status set_policy_assignment(const PolicyAssignmentRecord& assignment) override;
  Status remove_policy_assignment(AssigneeKind kind, const std::string& assignee) override;
  Result<std::vector<PolicyAssignmentRecord>> list_policy_assignments() override;

  Result<FolderHierarchySnapshot> load_folder_hierarchy(const DeviceKey& key,
                                                        uint32_t sync_key) override;
  Result<FolderHierarchySnapshot> load_current_folder_hierarchy(const DeviceKey& key) override;
  Status commit_folder_hierarchy(const DeviceKey& key,
                                 const FolderHierarchySnapshot& snapshot) override;
  Result<std::string> allocate_folder_server_id(const DeviceKey& key) override;
  Status reset_folder_hierarchy(const DeviceKey& key) override;

  Result<CollectionGeneration> load_collection_state(const CollectionKey& key,
                                                     uint32_t generation) override;
  Result<CollectionGeneration> load_current_collection_state(const CollectionKey& key) override;
  Result<CollectionCommitResult> commit_collection_generation(
      const CollectionKey& key, const CollectionCommit& commit) override;
  Result<std::vector<std::string>> map_items(const CollectionKey& key,
                                             const ItemMapUpdate& update) override;
  Result<std::vector<std::optional<std::string>>> lookup_by_server_ids(
      const CollectionKey& key, uint32_t generation,
      const std::vector<std::string>& server_ids) override;
  Result<std::vector<std::optional<std::string>>> lookup_by_backend_ids(
      const CollectionKey& key, uint32_t generation,
      const std::vector<std::string>& backend_ids) override;
  Result<std::vector<ItemMapping>> list_items(const CollectionKey& key,
                                              uint32_t generation) override;
  Status reset_collection(const CollectionKey& key) override;
  Result<std::optional<ClientAddRecord>> find_client_add(const CollectionKey& key,
                                                         const std::string& client_id) override;
  Status put_device_request(const DeviceKey& key, DeviceRequestKind kind,
                            std::string_view body, StoreTime now) override;
  Result<std::string> get_device_request(const DeviceKey& key, DeviceRequestKind kind) override;
  Status put_message_meta(const MessageMetaKey& key, uint32_t uid, std::string_view meta,
                          StoreTime now) override;
  Result<std::vector<std::pair<uint32_t, std::string>>> list_message_meta(
      const MessageMetaKey& key) override;
  Status put_conversation_rule(const std::string& user_id,
                               const ConversationRule& rule) override;
  Result<std::vector<ConversationRule>> list_conversation_rules(
      const std::string& user_id) override;

  Result<int64_t> append_audit(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> list_audit(StoreTime since, size_t limit) override;

 private:
  // kNotFound unless the device row exists (inside the caller's transaction).
  Status require_device(const DeviceKey& key);
  // Reads the device row plus its command counters.
  Result<DeviceRecord> read_device(const DeviceKey& key);
  // Runs a bound UPDATE of one device row; kNotFound when no row matched.
  Status run_device_update(SqliteStatement& stmt, const DeviceKey& key);
  // Bumps governance_revision inside the caller's transaction.
  Status bump_governance_revision();
  // Reads one snapshot's folders.
  Result<FolderHierarchySnapshot> read_folder_snapshot(const DeviceKey& key, uint32_t sync_key);
  // Current generation number of the collection; 0 when it has none.
  Result<uint32_t> current_generation(const CollectionKey& key);
  // kNotFound unless `generation` is the current or the previous generation.
  Status require_live_generation(const CollectionKey& key, uint32_t generation);
  // Applies `update` with rows stamped `generation`; appends assigned ServerIds to `out`.
  // `reuse` (may be null): a ServerId per add_backend_ids index to hand out again when it
  // is free (a retried client Add); empty entries allocate as usual.
  Status apply_item_update(const CollectionKey& key, uint32_t generation,
                           const ItemMapUpdate& update, std::vector<std::string>* out,
                           const std::vector<std::string>* reuse = nullptr);
  // The client Add records of commit.add_client_ids, inside the commit's transaction.
  Status record_client_adds(const CollectionKey& key, uint32_t generation,
                            const CollectionCommit& commit,
                            const std::vector<std::string>& server_ids);

  std::unique_ptr<SqliteDb> db_;
};

}  // namespace easgate
