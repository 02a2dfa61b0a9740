#include "gateway/push/supersede_check.h"

#include "gateway/pipeline/request_context.h"
#include "gateway/push/worker_push.h"

namespace easgate {

void SupersedeHeldCheck::run(const std::shared_ptr<RequestContext>& request,
                             std::function<void(CheckVerdict)> done) {
  if (request->services.push != nullptr && request->eas &&
      request->eas->command->command == EasCommand::kSync) {
    request->services.push->hub().supersede(request->credentials.user, request->eas->device_id);
  }
  done(CheckVerdict::next());
}

}  // namespace easgate
