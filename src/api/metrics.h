// HTTP metrics in Prometheus text format: request counts by method, route
// and status, latency histograms by method and route, and the store's
// transaction counts and latencies.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

#include "core/histogram.h"
#include "meta/store.h"

namespace hops::api {

class Metrics {
 public:
  void Observe(const std::string& method, const std::string& route, int status, int64_t micros);
  std::string Render(const meta::StoreStats& store) const;

 private:
  struct RouteSeries {
    Histogram latency;
    std::map<int, std::unique_ptr<std::atomic<uint64_t>>> by_status;
  };
  RouteSeries& SeriesFor(const std::string& key);

  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<RouteSeries>> routes_;  // key: method + ' ' + route
};

}  // namespace hops::api
