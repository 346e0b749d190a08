// Naming rules, data-driven.
#include <gtest/gtest.h>

#include "services/names.h"

namespace hops::services {

TEST(Names, ProjectNames) {
  for (const char* ok : {"ab", "demo", "Fraud_Detection", "a1", "x_y_z", "abcdefghijklmnopqrstuvwx", "1a"})
    EXPECT_TRUE(ValidateProjectName(ok).ok()) << ok;
  for (const char* bad : {"", "a", "abcdefghijklmnopqrstuvwxy", "_ab", "ab_", "a__b", "123", "hops", "HOPSWORKS",
                          "a-b", "a b", "a.b", "..", "a/b", "caf\xc3\xa9", "x'; DROP TABLE projects;--"})
    EXPECT_EQ(ValidateProjectName(bad).code(), Code::kInvalidArgument) << bad;
}

TEST(Names, Usernames) {
  EXPECT_TRUE(ValidateUsername("alice").ok());
  EXPECT_TRUE(ValidateUsername("a.b-c_1").ok());
  for (const char* bad : {"al", "Alice", "1abc", "a b c", "abc/", std::string(33, 'a').c_str()})
    EXPECT_FALSE(ValidateUsername(bad).ok()) << bad;
}

TEST(Names, EmailAndText) {
  EXPECT_TRUE(ValidateEmail("a@b.io").ok());
  EXPECT_FALSE(ValidateEmail("nope").ok());
  EXPECT_FALSE(ValidateEmail("a@b").ok());
  EXPECT_FALSE(ValidateEmail("a b@c.d").ok());
  EXPECT_TRUE(ValidateText("d", "caf\xc3\xa9 ok\n", 100).ok());
  EXPECT_FALSE(ValidateText("d", "bad \xc3", 100).ok());
  EXPECT_FALSE(ValidateText("d", "bell \x07", 100).ok());
  EXPECT_FALSE(ValidateText("d", std::string(101, 'x'), 100).ok());
}

}  // namespace hops::services
