// Wall-clock time in microseconds since the epoch, and RFC 3339 text.
// Behind a tiny interface so tests can move time (token expiry, lockouts).
#pragma once

#include <cstdint>
#include <string>

namespace hops {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMicros() const = 0;
  static Clock* Real();
};

std::string FormatRfc3339(int64_t micros);                  // 2026-11-24T18:00:00Z
bool ParseRfc3339(const std::string& text, int64_t* micros);  // accepts Z or +00:00, optional .fraction

}  // namespace hops
