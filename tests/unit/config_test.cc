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

TEST(Config, HelpDocumentsEverySetting) {
  std::string help = Config::HelpText();
  for (const auto& s : AllSettings()) EXPECT_NE(help.find(s.key), std::string::npos) << s.key;
}

}  // namespace hops
