#include "gateway/commands/quarantine_notice.h"

#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace fh = tag::folder_hierarchy;
namespace em = tag::email;
namespace asb = tag::air_sync_base;

constexpr const char* kInboxId = "q1";           // the only folder a quarantined device sees
constexpr const char* kNoticeId = "q1:1";        // the notice message
constexpr int kFolderTypeInbox = 2;              // MS-ASCMD 2.2.3.186.3 Type 2 = Inbox
constexpr int kSyncObjectNotFound = 8;           // MS-ASCMD 2.2.3.177.17

constexpr const char* kNoticeText =
    "This device is quarantined: your administrator has to allow it before it can sync "
    "your mailbox. You do not need to do anything; it will sync as soon as it is "
    "allowed.\r\n";

void folder_sync(RequestContext& r) {
  std::string key = r.body ? std::string(r.body->root.child_text(fh::kSyncKey)) : "0";
  WbxmlDocument doc;
  doc.root = WbxmlElement(fh::kFolderSync);
  doc.root.add_text(fh::kStatus, "1");
  doc.root.add_text(fh::kSyncKey, "1");
  WbxmlElement& changes = doc.root.add_child(fh::kChanges);
  if (key == "0" || key.empty()) {
    changes.add_text(fh::kCount, "1");
    WbxmlElement& add = changes.add_child(fh::kAdd);
    add.add_text(fh::kServerId, kInboxId);
    add.add_text(fh::kParentId, "0");
    add.add_text(fh::kDisplayName, "Inbox");
    add.add_text(fh::kType, std::to_string(kFolderTypeInbox));
  } else {
    changes.add_text(fh::kCount, "0");
  }
  r.reply_wbxml(doc, 1);
}

void add_notice(RequestContext& r, WbxmlElement& commands) {
  WbxmlElement& add = commands.add_child(as::kAdd);
  add.add_text(as::kServerId, kNoticeId);
  WbxmlElement& data = add.add_child(as::kApplicationData);
  data.add_text(em::kTo, "\"" + r.credentials.user + "\" <" + r.credentials.user + ">");
  data.add_text(em::kFrom, "ActiveSync gateway <" + r.credentials.user + ">");
  data.add_text(em::kSubject, "Your device is quarantined");
  data.add_text(em::kDateReceived, "2000-01-01T00:00:00.000Z");
  data.add_text(em::kRead, "0");
  data.add_text(em::kMessageClass, "IPM.Note");
  if (r.eas->version >= ProtocolVersion::v12_0()) {
    WbxmlElement& body = data.add_child(asb::kBody);
    body.add_text(asb::kType, "1");  // plain text
    body.add_text(asb::kEstimatedDataSize, std::to_string(std::string_view(kNoticeText).size()));
    body.add_text(asb::kData, kNoticeText);
  } else {
    data.add_text(em::kBody, kNoticeText);  // 2.5: email:Body
  }
}

void sync(RequestContext& r) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(as::kSync);
  const WbxmlElement* collections = r.body ? r.body->root.child(as::kCollections) : nullptr;
  if (!collections) {
    doc.root.add_text(as::kStatus, "4");  // protocol error: the empty Sync needs a cache
    r.reply_wbxml(doc, 4);
    return;
  }
  WbxmlElement& out = doc.root.add_child(as::kCollections);
  for (const WbxmlElement* c : collections->children_named(as::kCollection)) {
    std::string key(c->child_text(as::kSyncKey));
    std::string id(c->child_text(as::kCollectionId));
    WbxmlElement& col = out.add_child(as::kCollection);
    if (r.eas->version < ProtocolVersion::v12_1()) col.add_text(as::kClass, "Email");
    if (id != kInboxId) {
      col.add_text(as::kSyncKey, key);
      col.add_text(as::kCollectionId, id);
      col.add_text(as::kStatus, std::to_string(kSyncObjectNotFound));
      continue;
    }
    // 0 -> 1 (empty, MS-ASCMD 3.1.5.3), 1 -> 2 with the notice, later keys: no changes.
    std::string next = key == "0" ? "1" : key == "1" ? "2" : key;
    col.add_text(as::kSyncKey, next);
    col.add_text(as::kCollectionId, id);
    col.add_text(as::kStatus, "1");
    if (key == "1") add_notice(r, col.add_child(as::kCommands));
  }
  r.reply_wbxml(doc, 1);
}

}  // namespace

void QuarantineNoticeHandler::handle(std::shared_ptr<RequestContext> request) {
  RequestContext& r = *request;
  switch (r.eas->command->command) {
    case EasCommand::kFolderSync: folder_sync(r); return;
    case EasCommand::kSync: sync(r); return;
    case EasCommand::kPing: {
      WbxmlDocument doc;
      doc.root = WbxmlElement(tag::ping::kPing);
      doc.root.add_text(tag::ping::kStatus, "1");  // heartbeat expired, nothing changed
      r.reply_wbxml(doc, 1);
      return;
    }
    default:
      r.reply_error(Status::forbidden("device is quarantined"));
      return;
  }
}

void QuarantineOnlySyncHandler::handle(std::shared_ptr<RequestContext> request) {
  if (request->quarantined) {
    QuarantineNoticeHandler().handle(std::move(request));
    return;
  }
  request->reply_error(Status::unsupported("Sync is not implemented yet").with_http_status(501));
}

}  // namespace easgate
