// Counting limiter for failures per key (e.g. failed logins per client
// address) over fixed one-minute windows. In memory and per process: with
// several servers each enforces its own limit.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hops::platform {

class FailureLimiter {
 public:
  explicit FailureLimiter(int64_t max_per_minute) : max_(max_per_minute) {}
  // Zero when allowed, else the seconds until the current window ends.
  int RetryAfter(const std::string& key, int64_t now_us);
  void RecordFailure(const std::string& key, int64_t now_us);

 private:
  struct Window {
    int64_t minute = 0;
    int64_t failures = 0;
  };
  int64_t max_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;
  int64_t purged_minute_ = 0;
};

}  // namespace hops::platform
