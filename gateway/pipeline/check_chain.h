#pragma once
// Runs the checks in order; the first rejection answers the request, and when every check
// passes `on_pass` runs (the command).

#include <functional>
#include <memory>
#include <vector>

#include "gateway/pipeline/check.h"

namespace easgate {

class CheckChain {
 public:
  void add(std::unique_ptr<Check> check) { checks_.push_back(std::move(check)); }
  size_t size() const { return checks_.size(); }
  // The chain must outlive every request it runs (it belongs to the worker).
  void run(std::shared_ptr<RequestContext> request, std::function<void()> on_pass);

 private:
  void run_from(size_t index, std::shared_ptr<RequestContext> request,
                std::function<void()> on_pass);

  std::vector<std::unique_ptr<Check>> checks_;
};

}  // namespace easgate
