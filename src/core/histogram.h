// A lock-free latency histogram with fixed Prometheus-style buckets (seconds).
// Shared by the HTTP metrics and the store's transaction metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace hops {

class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                     0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                     1.0,    5.0};
  void Observe(int64_t micros) {
    double s = static_cast<double>(micros) / 1e6;
    size_t i = 0;
    while (i < kBounds.size() && s > kBounds[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_micros_.fetch_add(micros, std::memory_order_relaxed);
  }
  // Appends Prometheus lines `<name>_bucket{<labels>,le=...}`, `_sum`, `_count`.
  void Render(const std::string& name, const std::string& labels, std::string* out) const {
    uint64_t cum = 0;
    std::string sep = labels.empty() ? "" : ",";
    for (size_t i = 0; i <= kBounds.size(); ++i) {
      cum += buckets_[i].load(std::memory_order_relaxed);
      std::string le = i < kBounds.size() ? FormatBound(kBounds[i]) : "+Inf";
      *out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + std::to_string(cum) + "\n";
    }
    *out += name + "_sum{" + labels + "} " +
            std::to_string(static_cast<double>(sum_micros_.load()) / 1e6) + "\n";
    *out += name + "_count{" + labels + "} " + std::to_string(count_.load()) + "\n";
  }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  static std::string FormatBound(double b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", b);
    return buf;
  }
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> sum_micros_{0};
};

}  // namespace hops
