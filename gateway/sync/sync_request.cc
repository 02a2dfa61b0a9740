#include "gateway/sync/sync_request.h"

#include <charconv>

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace em = tag::email;

std::optional<uint32_t> parse_u32(std::string_view text) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// Boolean elements: "1"/"0", or an empty tag meaning true (GetChanges, DeletesAsMoves in
// some clients).
bool flag_value(const WbxmlElement& e) { return !e.has_text() || e.text() != "0"; }

EmailClientChange parse_change(const WbxmlElement& change) {
  EmailClientChange c;
  c.server_id = std::string(change.child_text(as::kServerId));
  const WbxmlElement* data = change.child(as::kApplicationData);
  if (!data) return c;
  c.application_data = *data;
  for (const WbxmlElement& f : data->children()) {
    if (f.is(em::kRead)) {
      c.read = f.text() == "1";
    } else if (f.is(em::kFlag)) {
      // libwbxml-based clients encode email:Status with the AirSync token; accept both.
      const WbxmlElement* st = f.child(em::kStatus) ? f.child(em::kStatus) : f.child(as::kStatus);
      auto status = st ? parse_u32(st->text()) : std::nullopt;
      c.flag = status && *status <= 2 ? static_cast<FlagStatus>(*status) : FlagStatus::kCleared;
      for (const WbxmlElement& d : f.children())
        if (&d != st && d.has_text() && (d.page() == 2 || d.page() == 9))  // Email, Tasks
          c.flag_fields.push_back(FlagMeta::Field{d.page(), d.token(), std::string(d.text())});
    } else if (f.is(em::kCategories)) {
      std::vector<std::string> names;
      for (const WbxmlElement* cat : f.children_named(em::kCategory))
        if (!cat->text().empty()) names.emplace_back(cat->text());
      c.categories = std::move(names);
    }
  }
  return c;
}

Result<SyncCollectionRequest> parse_collection(const WbxmlElement& e) {
  SyncCollectionRequest c;
  const WbxmlElement* key = e.child(as::kSyncKey);
  const WbxmlElement* id = e.child(as::kCollectionId);
  if (!key || !id || id->text().empty())
    return Status::malformed("Sync Collection without SyncKey or CollectionId");
  c.sync_key_text = std::string(key->text());
  c.sync_key = parse_u32(key->text());
  c.collection_id = std::string(id->text());
  c.class_name = std::string(e.child_text(as::kClass));
  if (const WbxmlElement* g = e.child(as::kGetChanges)) c.get_changes = flag_value(*g);
  if (const WbxmlElement* w = e.child(as::kWindowSize)) c.window_size = parse_u32(w->text());
  if (const WbxmlElement* d = e.child(as::kDeletesAsMoves)) c.deletes_as_moves = flag_value(*d);
  if (const WbxmlElement* m = e.child(as::kConversationMode)) c.conversation_mode = flag_value(*m);
  for (const WbxmlElement* o : e.children_named(as::kOptions)) {
    // MS-ASCMD 2.2.3.125.6: 14.0+ may send one Options per Class (Email and SMS); the
    // Email one has no Class or Class Email.
    std::string_view cls = o->child_text(as::kClass);
    if (!c.sms_options) c.sms_options = false;
    if (cls == "SMS") c.sms_options = true;
    if (!cls.empty() && cls != "Email") continue;
    c.options = *o;
    if (auto f = parse_u32(o->child_text(as::kFilterType))) c.filter_type = static_cast<int>(*f);
    if (auto k = parse_u32(o->child_text(as::kConflict))) c.conflict = *k == 0 ? 0 : 1;
  }
  // 2.5 puts Conflict and FilterType in Options too; nothing else to read at this level.
  if (const WbxmlElement* commands = e.child(as::kCommands)) {
    for (const WbxmlElement& cmd : commands->children()) {
      if (cmd.is(as::kChange)) {
        c.changes.push_back(parse_change(cmd));
      } else if (cmd.is(as::kDelete)) {
        c.deletes.emplace_back(cmd.child_text(as::kServerId));
      } else if (cmd.is(as::kFetch)) {
        c.fetches.emplace_back(cmd.child_text(as::kServerId));
      } else if (cmd.is(as::kAdd)) {
        ClientAdd add{std::string(cmd.child_text(as::kClientId)),
                      std::string(cmd.child_text(as::kClass)), std::nullopt};
        if (const WbxmlElement* data = cmd.child(as::kApplicationData))
          add.application_data = *data;
        c.adds.push_back(std::move(add));
      }
    }
  }
  return c;
}

}  // namespace

Result<SyncRequest> parse_sync_request(const WbxmlDocument& document) {
  if (!document.root.is(as::kSync)) return Status::malformed("root element is not Sync");
  SyncRequest r;
  for (const WbxmlElement& e : document.root.children()) {
    if (e.is(as::kCollections)) {
      for (const WbxmlElement* c : e.children_named(as::kCollection)) {
        auto parsed = parse_collection(*c);
        if (!parsed.is_ok()) return parsed.status();
        r.collections.push_back(std::move(parsed).value());
      }
    } else if (e.is(as::kWindowSize)) {
      r.window_size = parse_u32(e.text());
    } else if (e.is(as::kWait) || e.is(as::kHeartbeatInterval)) {
      r.hanging = true;
    } else if (e.is(as::kPartial)) {
      r.partial = true;
    }
  }
  return r;
}

int64_t filter_type_age_seconds(int filter_type) {
  constexpr int64_t kDay = 86400;
  switch (filter_type) {
    case 1:
      return kDay;
    case 2:
      return 3 * kDay;
    case 3:
      return 7 * kDay;
    case 4:
      return 14 * kDay;
    case 5:
      return 31 * kDay;
    default:
      return 0;
  }
}

}  // namespace easgate
