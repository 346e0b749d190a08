// Service rules exercised directly (no HTTP): ownership limits, membership
// visibility, owner protection, and that each mutation writes its audit record.
#include <gtest/gtest.h>

#include "test_store.h"

#include <filesystem>

#include "meta/store.h"
#include "platform/audit.h"
#include "platform/auth.h"
#include "services/projects.h"
#include "services/users.h"

namespace hops::services {
namespace {
using platform::Context;

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = std::filesystem::path(::testing::TempDir()) /
               ("services_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                "_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    store_ = std::move(meta::Store::Open(hops::testing::StoreUrl(dir), "normal")).value();
    auth_ = std::make_unique<platform::Authenticator>(*store_, Clock::Real(), 3600);
    ASSERT_TRUE(auth_->Init().ok());
    users_ = std::make_unique<UserService>(*store_, *auth_, UserSettings{false, 3});
    ProjectSettings ps;
    ps.max_projects_per_user = 2;
    projects_ = std::make_unique<ProjectService>(*store_, ps);
    std::string gen;
    ASSERT_TRUE(users_->Bootstrap("admin-password", &gen).ok());
    admin_ = Login("admin", "admin-password");
    for (const char* u : {"alice", "bob"}) ASSERT_TRUE(users_->Create(admin_, u, "password-1", std::string(u) + "@x.io", "USER").ok());
    alice_ = Login("alice", "password-1");
    bob_ = Login("bob", "password-1");
  }
  Context Login(const std::string& u, const std::string& pw) {
    Context c;
    auto r = users_->Login(c, u, pw);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    auto p = auth_->Authenticate("Bearer " + r->token.token);
    EXPECT_TRUE(p.ok());
    Context out;
    out.who = *p;
    return out;
  }
  std::unique_ptr<meta::Store> store_;
  std::unique_ptr<platform::Authenticator> auth_;
  std::unique_ptr<UserService> users_;
  std::unique_ptr<ProjectService> projects_;
  Context admin_, alice_, bob_;
};

TEST_F(ServicesTest, ProjectLifecycleAndVisibility) {
  ASSERT_TRUE(projects_->Create(alice_, "demo", "d").ok());
  EXPECT_TRUE(alice_.req.recorded);
  EXPECT_EQ(projects_->Create(bob_, "DEMO", "").status().code(), Code::kAlreadyExists);
  EXPECT_EQ(projects_->Get(bob_, "demo").status().code(), Code::kNotFound);
  EXPECT_TRUE(projects_->Get(admin_, "demo").ok());
  ASSERT_TRUE(projects_->AddMember(alice_, "demo", "bob", kDataScientist).ok());
  EXPECT_EQ(projects_->Get(bob_, "demo")->role, kDataScientist);
  EXPECT_EQ(projects_->AddMember(bob_, "demo", "admin", kDataScientist).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(projects_->Delete(bob_, "demo").code(), Code::kPermissionDenied);
  EXPECT_EQ(projects_->UpdateMember(alice_, "demo", "alice", kDataScientist).status().code(), Code::kConflict);
  EXPECT_EQ(projects_->RemoveMember(alice_, "demo", "alice").code(), Code::kConflict);
  ASSERT_TRUE(projects_->Delete(alice_, "demo").ok());
  EXPECT_EQ(projects_->Get(admin_, "demo").status().code(), Code::kNotFound);
}

TEST_F(ServicesTest, OwnershipLimit) {
  ASSERT_TRUE(projects_->Create(alice_, "p1", "").ok());
  ASSERT_TRUE(projects_->Create(alice_, "p2", "").ok());
  EXPECT_EQ(projects_->Create(alice_, "p3", "").status().code(), Code::kQuotaExceeded);
}

TEST_F(ServicesTest, LockoutAfterFailedLogins) {
  Context c;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(users_->Login(c, "bob", "wrong-password").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(users_->Login(c, "bob", "password-1").status().code(), Code::kPermissionDenied);
  UserUpdate up;
  up.status = "ACTIVE";
  ASSERT_TRUE(users_->Update(admin_, "bob", up).ok());
  EXPECT_TRUE(users_->Login(c, "bob", "password-1").ok());
}

TEST_F(ServicesTest, FailedMutationWritesNoAuditRecord) {
  int64_t before = platform::VerifyAudit(*store_)->records;
  Context c = bob_;
  EXPECT_FALSE(projects_->Create(c, "__bad", "").ok());
  EXPECT_FALSE(c.req.recorded);
  EXPECT_EQ(platform::VerifyAudit(*store_)->records, before);
}

}  // namespace
}  // namespace hops::services

namespace hops::services {
namespace {

class StepClock : public Clock {
 public:
  int64_t NowMicros() const override { return now; }
  int64_t now = 1'800'000'000'000'000;  // the start of a minute
};

// Throttling windows move with the injected clock: no sleeping in tests.
TEST(LoginThrottle, PerUserWindowOpensAgainAfterAMinute) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("throttle_test_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto store = std::move(meta::Store::Open(hops::testing::StoreUrl(dir), "normal")).value();
  StepClock clock;
  platform::Authenticator auth(*store, &clock, 3600);
  ASSERT_TRUE(auth.Init().ok());
  UserSettings settings;
  settings.max_failed_logins = 100;
  settings.login_failures_per_user_per_minute = 2;
  UserService users(*store, auth, settings, &clock);
  std::string generated;
  ASSERT_TRUE(users.Bootstrap("admin-password", &generated).ok());
  Context c;
  c.req.client = "10.0.0.9:5000";
  for (int i = 0; i < 2; ++i) EXPECT_EQ(users.Login(c, "admin", "wrong-password").status().code(), Code::kUnauthenticated);
  auto refused = users.Login(c, "admin", "admin-password");
  EXPECT_EQ(refused.status().code(), Code::kTooManyRequests);
  EXPECT_EQ(refused.status().retry_after_s(), 60);
  clock.now += 61'000'000;
  EXPECT_TRUE(users.Login(c, "admin", "admin-password").ok());
}

}  // namespace
}  // namespace hops::services
