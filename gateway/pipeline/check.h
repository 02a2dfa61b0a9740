#pragma once
// The ordered checks every EAS request passes before its command runs (DESIGN.md "A
// request's path"). A check returns a closed verdict and never writes to the connection.

#include <functional>
#include <memory>
#include <string_view>

#include "gateway/core/status.h"

namespace easgate {

class RequestContext;

struct CheckVerdict {
  // continue: the next check (or the command) runs. Otherwise `rejection` is the answer.
  bool proceed = true;
  Status rejection;  // the error the client gets, with its HTTP and EAS status

  static CheckVerdict next() { return {}; }
  static CheckVerdict reject(Status s) { return {false, std::move(s)}; }
};

class Check {
 public:
  virtual ~Check() = default;
  virtual std::string_view name() const = 0;
  // May complete later (authentication asks the backend); `done` runs exactly once, on
  // the request's worker loop.
  virtual void run(const std::shared_ptr<RequestContext>& request,
                   std::function<void(CheckVerdict)> done) = 0;
};

}  // namespace easgate
