#include "gateway/commands/item_operations.h"

#include "gateway/commands/item_operations_run.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/log.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"
#include "gateway/pipeline/governance_facts.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace io = tag::item_operations;

// The answer to an operation refused before it ran: its element with the status and the
// identifiers echoed (MS-ASCMD 2.2.3.67.1 / 2.2.3.58).
WbxmlElement refusal(const ItemOperation& op, int status) {
  switch (op.kind) {
    case ItemOperationKind::kEmptyFolderContents: {
      WbxmlElement e(io::kEmptyFolderContents);
      e.add_text(io::kStatus, std::to_string(status));
      if (!op.collection_id.empty()) e.add_text(as::kCollectionId, op.collection_id);
      return e;
    }
    case ItemOperationKind::kMove: {
      WbxmlElement e(io::kMove);
      e.add_text(io::kStatus, std::to_string(status));
      e.add_opaque(io::kConversationId, op.conversation_id);  // MS-ASCON 2.2.2.3.1 byte array
      return e;
    }
    case ItemOperationKind::kFetch:
      break;
  }
  WbxmlElement e(io::kFetch);
  e.add_text(io::kStatus, std::to_string(status));
  return e;
}

void respond(const std::shared_ptr<ItemOperationsRun>& run) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(io::kItemOperations);
  doc.root.add_text(io::kStatus, std::to_string(kItemOpsSuccess));
  WbxmlElement& response = doc.root.add_child(io::kResponse);
  for (auto& e : run->responses) response.mutable_children().push_back(std::move(e));
  if (!run->multipart) {
    run->request->reply_wbxml(doc, kItemOpsSuccess);
    return;
  }
  HttpResponse http;
  http.status = 200;
  http.headers.add("Content-Type", "application/vnd.ms-sync.multipart");
  http.body = encode_multipart(encode_wbxml(doc), run->parts);
  run->request->reply(std::move(http), kItemOpsSuccess);
}

void run_next(const std::shared_ptr<ItemOperationsRun>& run) {
  while (run->next < run->ops.size()) {
    if (!run->request->client_alive()) return;  // nobody to answer; the context logs it
    const ItemOperation& op = run->ops[run->next];
    auto resume = [run] {
      ++run->next;
      run_next(run);
    };
    bool finished = true;
    if (op.parse_status != kItemOpsSuccess) {
      run->responses.push_back(refusal(op, op.parse_status));
    } else if (op.kind == ItemOperationKind::kFetch) {
      finished = run_fetch(run, resume);
    } else if (op.kind == ItemOperationKind::kEmptyFolderContents) {
      finished = run_empty_folder(run, resume);
    } else {
      finished = run_move(run, resume);
    }
    if (!finished) return;
    ++run->next;
  }
  respond(run);
}

}  // namespace

std::string add_part(ItemOperationsRun& run, std::string data) {
  run.parts.push_back(std::move(data));
  return std::to_string(run.parts.size());
}

void ItemOperationsHandler::handle(std::shared_ptr<RequestContext> request) {
  if (!request->body || !request->body->root.is(io::kItemOperations)) {
    request->reply_error(Status::malformed("ItemOperations expected"));
    return;
  }
  auto run = std::make_shared<ItemOperationsRun>();
  run->request = request;
  run->device = DeviceKey{request->credentials.user, request->eas->device_id};
  run->ops = parse_item_operations(request->body->root);
  if (run->ops.empty()) {
    // MS-ASCMD 2.2.3.177.8: a request without any operation is a protocol error.
    WbxmlDocument doc;
    doc.root = WbxmlElement(io::kItemOperations);
    doc.root.add_text(io::kStatus, std::to_string(kItemOpsProtocolError));
    request->reply_wbxml(doc, kItemOpsProtocolError);
    return;
  }
  run->multipart = request->eas->accept_multipart;
  run->policy = &effective_policy(request->services.config->governance, request->credentials.user);
  run_next(run);
}

}  // namespace easgate
