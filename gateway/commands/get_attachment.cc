#include "gateway/commands/get_attachment.h"

#include "gateway/commands/item_operations_attachment.h"
#include "gateway/config/gateway_config.h"
#include "gateway/pipeline/governance_facts.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

// GetAttachment has no EAS status: failures are HTTP statuses (MS-ASCMD 2.2.1.7).
void answer(const std::shared_ptr<RequestContext>& request, AttachmentLoad load) {
  switch (load.status) {
    case kItemOpsSuccess: {
      HttpResponse http;
      http.status = 200;
      http.headers.add("Content-Type", load.content.content_type);
      http.body = std::move(load.content.data);
      request->reply(std::move(http), 0);
      return;
    }
    case kItemOpsBlocked:
      request->reply_error(Status::forbidden("attachments are disabled by policy"));
      return;
    case kItemOpsTooLarge:
      request->reply_error(Status::too_large("attachment larger than the policy allows"));
      return;
    case kItemOpsBadAttachment:
      request->reply_error(Status::not_found("no such attachment"));
      return;
    default:
      request->reply_error(Status::backend_error("attachment could not be fetched"));
      return;
  }
}

}  // namespace

void GetAttachmentHandler::handle(std::shared_ptr<RequestContext> request) {
  const ProvisioningPolicy& policy =
      effective_policy(request->services.config->governance, request->credentials.user);
  AttachmentLoad refused;
  if (load_attachment(request, policy, request->eas->attachment_name, &refused,
                      [request](AttachmentLoad load) { answer(request, std::move(load)); })) {
    answer(request, std::move(refused));
  }
}

}  // namespace easgate
