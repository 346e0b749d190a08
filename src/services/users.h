// Users, logins, sessions and API keys. Every rule about accounts lives here:
// who may create users, registration and approval, lockout after failed
// logins, password changes, and API-key management.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "meta/store.h"
#include "platform/auth.h"
#include "platform/rate_limit.h"
#include "services/common.h"

namespace hops::services {

struct User {
  int64_t id = 0;
  std::string username, email, role, status;
  int64_t failed_logins = 0;
  int64_t created_at = 0;
};

struct ApiKeyInfo {
  std::string name, prefix;
  uint32_t scopes = 0;
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  std::string key;  // only on creation
};

struct LoginResult {
  platform::IssuedToken token;
  User user;
};

struct UserUpdate {
  std::optional<std::string> status, role, email;
};

struct UserSettings {
  bool allow_registration = false;
  int max_failed_logins = 5;
  int64_t login_failures_per_address_per_minute = 30;  // 0: no limit
  int64_t login_failures_per_user_per_minute = 10;     // 0: no limit
};

class CertService;

class UserService {
 public:
  static constexpr int64_t kMaxApiKeysPerUser = 100;
  UserService(meta::Store& store, platform::Authenticator& auth, UserSettings settings,
              const Clock* clock = Clock::Real())
      : store_(store), auth_(auth), settings_(settings), clock_(clock),
        address_failures_(settings.login_failures_per_address_per_minute),
        user_failures_(settings.login_failures_per_user_per_minute) {}

  // Creates the admin account on first start. When `password` is empty a
  // password is generated and returned in *generated (to be printed once).
  Status Bootstrap(const std::string& password, std::string* generated);
  // Operator recovery (hopsd --reset-admin-password): sets the password of
  // the `admin` account, makes it ACTIVE, ends its sessions; audited.
  Status ResetAdmin(const std::string& password);

  Result<LoginResult> Login(platform::Context& ctx, const std::string& username, const std::string& password);
  Status Logout(platform::Context& ctx);
  Result<User> Register(platform::Context& ctx, const std::string& username, const std::string& password,
                        const std::string& email);
  Result<User> Create(platform::Context& ctx, const std::string& username, const std::string& password,
                      const std::string& email, const std::string& role);
  Result<User> Me(platform::Context& ctx);
  Result<User> Get(platform::Context& ctx, const std::string& username);
  Result<Page<User>> List(platform::Context& ctx, const PageRequest& page);
  Result<User> Update(platform::Context& ctx, const std::string& username, const UserUpdate& update);
  Status ChangePassword(platform::Context& ctx, const std::string& current, const std::string& next);

  // Admin: new tokens are signed with a fresh key; existing sessions stay valid.
  Result<std::string> RotateSigningKey(platform::Context& ctx);

  Result<ApiKeyInfo> CreateApiKey(platform::Context& ctx, const std::string& name,
                                  const std::vector<std::string>& scopes);
  Result<std::vector<ApiKeyInfo>> ListApiKeys(platform::Context& ctx);
  Status RevokeApiKey(platform::Context& ctx, const std::string& name);

  // Deactivated users lose their certificates.
  void set_certs(CertService* certs) { certs_ = certs; }

 private:
  Result<LoginResult> CheckLogin(platform::Context& ctx, const std::string& username, const std::string& password);
  Result<User> Insert(platform::Context* ctx, const std::string& username, const std::string& password,
                      const std::string& email, const std::string& role, const std::string& status);

  int64_t Now() const { return clock_->NowMicros(); }

  meta::Store& store_;
  platform::Authenticator& auth_;
  UserSettings settings_;
  const Clock* clock_;
  CertService* certs_ = nullptr;
  platform::FailureLimiter address_failures_;  // failed logins per client address
  platform::FailureLimiter user_failures_;     // failed logins per username
};

}  // namespace hops::services
