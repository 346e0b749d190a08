// Configuration layering and validation.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/config.h"

namespace hops {

TEST(Config, DefaultsAndFlags) {
  const char* argv[] = {"hopsd", "--listen", "127.0.0.1:0", "--max-body-bytes=100"};
  auto c = Config::Load(4, argv);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Str("listen"), "127.0.0.1:0");
  EXPECT_EQ(c->Int("max_body_bytes"), 100);
  EXPECT_EQ(c->Int("max_projects_per_user"), 10);
  EXPECT_FALSE(c->Bool("allow_registration"));
}

TEST(Config, EnvAndFileLayering) {
  std::string path = ::testing::TempDir() + "/hops.conf";
  std::ofstream(path) << "# comment\nmax_failed_logins = 7\nlisten = \"10.0.0.1:1\"\n";
  setenv("HOPS_LISTEN", "127.0.0.2:9", 1);
  const char* argv[] = {"hopsd", "--config", path.c_str()};
  auto c = Config::Load(3, argv);
  unsetenv("HOPS_LISTEN");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Int("max_failed_logins"), 7);
  EXPECT_EQ(c->Str("listen"), "127.0.0.2:9");  // env beats file
}

TEST(Config, RejectsUnknownAndBadValues) {
  const char* a1[] = {"hopsd", "--no-such-thing", "1"};
  EXPECT_FALSE(Config::Load(3, a1).ok());
  const char* a2[] = {"hopsd", "--workers", "many"};
  EXPECT_FALSE(Config::Load(3, a2).ok());
  const char* a3[] = {"hopsd", "--tls-cert", "x.pem"};
  EXPECT_FALSE(Config::Load(3, a3).ok());
  const char* a4[] = {"hopsd", "--listen"};
  EXPECT_FALSE(Config::Load(2, a4).ok());
  const char* a5[] = {"hopsd", "--log-level", "loud"};
  EXPECT_FALSE(Config::Load(3, a5).ok());
}

TEST(Config, PlainHttpIsABareFlagAndLoopbackOnly) {
  const char* a1[] = {"hopsd", "--plain-http", "--listen", "127.0.0.1:0"};
  auto c = Config::Load(4, a1);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->Bool("plain_http"));
  EXPECT_EQ(c->Str("listen"), "127.0.0.1:0");
  const char* a2[] = {"hopsd", "--listen", "[::1]:0", "--plain-http"};
  EXPECT_TRUE(Config::Load(4, a2).ok());
  const char* a3[] = {"hopsd", "--listen", "0.0.0.0:8181", "--plain-http", "true"};
  auto bad = Config::Load(5, a3);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("loopback"), std::string::npos);
  const char* a4[] = {"hopsd", "--plain-http", "false", "--listen", "10.0.0.1:1"};
  EXPECT_TRUE(Config::Load(5, a4).ok());
  const char* a5[] = {"hopsd", "--fs-fault-capacity-bytes", "300"};  // a numeric default is not a flag
  auto n = Config::Load(3, a5);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->Int("fs_fault_capacity_bytes"), 300);
}

TEST(Config, HelpDocumentsEverySetting) {
  std::string help = Config::HelpText();
  for (const auto& s : AllSettings()) EXPECT_NE(help.find(s.key), std::string::npos) << s.key;
}

}  // namespace hops
