#pragma once
// A command handler runs one EAS command for a request that passed every check.
// It replies through the RequestContext exactly once, possibly much later.

#include <memory>

namespace easgate {

class RequestContext;

class CommandHandler {
 public:
  virtual ~CommandHandler() = default;
  virtual void handle(std::shared_ptr<RequestContext> request) = 0;
};

}  // namespace easgate
