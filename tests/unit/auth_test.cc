// Passwords, session tokens and API keys against a real embedded store.
#include <gtest/gtest.h>

#include "test_store.h"

#include <filesystem>

#include "core/crypto.h"
#include "meta/store.h"
#include "platform/auth.h"
#include "platform/passwords.h"

namespace hops::platform {
namespace {

class FakeClock : public Clock {
 public:
  int64_t NowMicros() const override { return now; }
  int64_t now = 1'700'000'000'000'000;
};

std::unique_ptr<meta::Store> OpenStore(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("auth_test_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto s = meta::Store::Open(hops::testing::StoreUrl(dir), "normal");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

int64_t AddUser(meta::Store& s, const std::string& name, const std::string& status = "ACTIVE") {
  int64_t id = 0;
  EXPECT_TRUE(s.Write([&](meta::Txn& t) -> Status {
                 HOPS_ASSIGN_OR_RETURN(id, t.Insert("INSERT INTO users (username, email, password_hash, role, status, "
                                                    "created_at, updated_at) VALUES (?, 'a@b.c', 'x', 'USER', ?, 0, 0)",
                                                    {name, status}));
                 return Status::Ok();
               }).ok());
  return id;
}

TEST(Passwords, HashAndVerify) {
  auto h = HashPassword("correct horse");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horsE"));
  EXPECT_NE(*h, *HashPassword("correct horse"));  // salted
  EXPECT_FALSE(CheckPasswordPolicy("short").ok());
  EXPECT_TRUE(CheckPasswordPolicy("long enough").ok());
}

TEST(Crypto, Base64UrlRoundTrip) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    std::string back;
    ASSERT_TRUE(crypto::Base64UrlDecode(crypto::Base64Url(s), &back));
    EXPECT_EQ(back, s);
  }
  std::string out;
  EXPECT_FALSE(crypto::Base64UrlDecode("a+b/", &out));
  EXPECT_TRUE(crypto::ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(crypto::ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(crypto::ConstantTimeEquals("abc", "abcd"));
}

TEST(Sessions, IssueVerifyExpireRevoke) {
  auto store = OpenStore("sessions");
  FakeClock clock;
  Authenticator auth(*store, &clock, 3600);
  ASSERT_TRUE(auth.Init().ok());
  int64_t uid = AddUser(*store, "alice");
  IssuedToken tok;
  ASSERT_TRUE(store->Write([&](meta::Txn& t) -> Status {
                   HOPS_ASSIGN_OR_RETURN(tok, auth.IssueSession(t, uid));
                   return Status::Ok();
                 }).ok());
  auto p = auth.Authenticate("Bearer " + tok.token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->username, "alice");
  EXPECT_EQ(p->method, AuthMethod::kSession);
  EXPECT_TRUE(p->HasScope(Scope::kAdmin));

  // Tampering with the payload breaks the signature.
  std::string forged = tok.token;
  forged[3] = forged[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(auth.Authenticate("Bearer " + forged).status().code(), Code::kUnauthenticated);

  // Rotating the signing key keeps existing tokens valid.
  ASSERT_TRUE(auth.RotateSigningKey().ok());
  EXPECT_TRUE(auth.Authenticate("Bearer " + tok.token).ok());

  // Revoked sessions are refused.
  ASSERT_TRUE(store->Write([&](meta::Txn& t) -> Status {
                   return t.Exec("UPDATE sessions SET revoked = 1").status();
                 }).ok());
  EXPECT_EQ(auth.Authenticate("Bearer " + tok.token).status().code(), Code::kUnauthenticated);

  // Expired tokens are refused.
  IssuedToken tok2;
  ASSERT_TRUE(store->Write([&](meta::Txn& t) -> Status {
                   HOPS_ASSIGN_OR_RETURN(tok2, auth.IssueSession(t, uid));
                   return Status::Ok();
                 }).ok());
  clock.now += 3601LL * 1000000;
  auto expired = auth.Authenticate("Bearer " + tok2.token);
  EXPECT_EQ(expired.status().code(), Code::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
}

TEST(ApiKeys, VerifyScopesAndRevocation) {
  auto store = OpenStore("apikeys");
  FakeClock clock;
  Authenticator auth(*store, &clock, 3600);
  ASSERT_TRUE(auth.Init().ok());
  int64_t uid = AddUser(*store, "bob");
  NewApiKey k = Authenticator::GenerateApiKey();
  EXPECT_EQ(k.key.rfind("hops_" + k.prefix + ".", 0), 0u);
  ASSERT_TRUE(store->Write([&](meta::Txn& t) -> Status {
                   return t.Exec("INSERT INTO api_keys (user_id, name, prefix, secret_hash, scopes, created_at) "
                                 "VALUES (?, 'k', ?, ?, ?, 0)",
                                 {uid, k.prefix, meta::Blob{k.secret_hash}, int64_t{static_cast<int64_t>(Scope::kProject)}})
                       .status();
                 }).ok());
  auto p = auth.Authenticate("ApiKey " + k.key);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->HasScope(Scope::kProject));
  EXPECT_FALSE(p->HasScope(Scope::kAdmin));
  EXPECT_FALSE(auth.Authenticate("ApiKey " + k.key + "x").ok());
  EXPECT_FALSE(auth.Authenticate("ApiKey hops_nothing.secret").ok());
  EXPECT_FALSE(auth.Authenticate("Basic abc").ok());
  EXPECT_FALSE(auth.Authenticate("").ok());
  ASSERT_TRUE(store->Write([&](meta::Txn& t) -> Status { return t.Exec("DELETE FROM api_keys").status(); }).ok());
  EXPECT_FALSE(auth.Authenticate("ApiKey " + k.key).ok());
}

TEST(Scopes, ParseNames) {
  auto m = ParseScopes({"PROJECT", "ADMIN"});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(ScopeNames(*m), (std::vector<std::string>{"PROJECT", "ADMIN"}));
  EXPECT_EQ(ParseScopes({"project"}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace hops::platform
