// The failed-login limiter: per key, per one-minute window.
#include <gtest/gtest.h>

#include "platform/rate_limit.h"

namespace hops::platform {

TEST(FailureLimiter, LimitsPerKeyAndWindow) {
  FailureLimiter l(3);
  const int64_t t = 1'000'000'000LL * 60'000'000 / 1'000'000;  // start of a minute
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(l.RetryAfter("10.0.0.1", t), 0);
    l.RecordFailure("10.0.0.1", t);
  }
  EXPECT_EQ(l.RetryAfter("10.0.0.1", t), 60);
  EXPECT_EQ(l.RetryAfter("10.0.0.1", t + 15'000'000), 45);
  EXPECT_EQ(l.RetryAfter("10.0.0.2", t), 0);               // other addresses unaffected
  EXPECT_EQ(l.RetryAfter("10.0.0.1", t + 60'000'000), 0);  // next window
  FailureLimiter off(0);
  for (int i = 0; i < 100; ++i) off.RecordFailure("x", t);
  EXPECT_EQ(off.RetryAfter("x", t), 0);
}

}  // namespace hops::platform
