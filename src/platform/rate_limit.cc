// Fixed-window failure counting.
#include "platform/rate_limit.h"

namespace hops::platform {

int FailureLimiter::RetryAfter(const std::string& key, int64_t now_us) {
  if (max_ <= 0) return 0;
  int64_t minute = now_us / 60'000'000;
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it == windows_.end() || it->second.minute != minute || it->second.failures < max_) return 0;
  return static_cast<int>(60 - (now_us / 1'000'000) % 60);
}

void FailureLimiter::RecordFailure(const std::string& key, int64_t now_us) {
  if (max_ <= 0) return;
  int64_t minute = now_us / 60'000'000;
  std::lock_guard lock(mu_);
  if (minute != purged_minute_) {
    // Once a minute, windows from earlier minutes go: memory stays bounded by
    // the keys seen in the current minute.
    for (auto it = windows_.begin(); it != windows_.end();) it = it->second.minute != minute ? windows_.erase(it) : ++it;
    purged_minute_ = minute;
  }
  Window& w = windows_[key];
  if (w.minute != minute) w = Window{minute, 0};
  ++w.failures;
}

}  // namespace hops::platform
