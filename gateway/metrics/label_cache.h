#pragma once
// Label values -> metric object, in front of prometheus::Family::Add. Family::Add builds a
// std::map of labels, hashes it and takes the family lock on every call; the hot path
// (one request, several increments) should pay that once per label combination, then a
// hash lookup. Also caps the number of series per family, because a label value that
// slips through from a client (an unknown command name) must not grow memory forever.

#include <cstddef>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <prometheus/family.h>

#include "gateway/core/log.h"

namespace easgate {

template <typename T>
class LabelCache {
 public:
  // Label value used for every label once a family has `max_series` series.
  static constexpr std::string_view kOverflowValue = "overflow";

  LabelCache(prometheus::Family<T>& family, std::vector<std::string> label_names,
             size_t max_series)
      : family_(family), label_names_(std::move(label_names)), max_series_(max_series) {}

  // The metric for `values` (one per label name, same order), created on first use.
  // Thread-safe. Extra arguments are passed to the metric's constructor on creation
  // (histogram bucket boundaries).
  template <typename... Args>
  T& get(std::initializer_list<std::string_view> values, const Args&... args) {
    std::string key;
    for (std::string_view v : values) {
      key.append(v);
      key.push_back('\x1f');  // unit separator: cannot appear in our label values
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = series_.find(key); it != series_.end()) return *it->second;
    prometheus::Labels labels;
    const bool overflow = series_.size() >= max_series_;
    size_t i = 0;
    for (std::string_view v : values) {
      if (i >= label_names_.size()) break;
      labels.emplace(label_names_[i++], overflow ? std::string(kOverflowValue) : std::string(v));
    }
    T& metric = family_.Add(labels, args...);
    if (overflow) {
      // Counted into the overflow series; not cached, so the map stays bounded.
      if (first_time_for_cause("metrics_series_overflow")) {
        log_warn("metrics").msg("too many label combinations; folding into \"overflow\"")
            .kv("limit", static_cast<uint64_t>(max_series_));
      }
      return metric;
    }
    series_.emplace(std::move(key), &metric);
    return metric;
  }

 private:
  prometheus::Family<T>& family_;
  const std::vector<std::string> label_names_;
  const size_t max_series_;
  std::mutex mutex_;
  std::unordered_map<std::string, T*> series_;  // metrics are owned by family_
};

}  // namespace easgate
