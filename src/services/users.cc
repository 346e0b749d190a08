// Account rules: creation, registration, login and lockout, API keys.
#include "services/users.h"

#include "core/crypto.h"
#include "core/log.h"
#include "platform/audit.h"
#include "platform/passwords.h"
#include "services/certs.h"
#include "services/names.h"

namespace hops::services {
using platform::Context;
namespace {

constexpr const char* kUserCols = "id, username, email, role, status, failed_logins, created_at";

User UserFrom(const meta::Row& r) {
  User u;
  u.id = r.Int(0);
  u.username = r.Str(1);
  u.email = r.Str(2);
  u.role = r.Str(3);
  u.status = r.Str(4);
  u.failed_logins = r.Int(5);
  u.created_at = r.Int(6);
  return u;
}

Result<std::optional<User>> FindUser(meta::Txn& t, const std::string& username, bool lock = false) {
  HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne(std::string("SELECT ") + kUserCols +
                                                 " FROM users WHERE username = ?" + (lock ? t.ForUpdate() : ""),
                                             {username}));
  if (!row) return std::optional<User>();
  return std::optional<User>(UserFrom(*row));
}

Status CheckNewAccount(const std::string& username, const std::string& password, const std::string& email) {
  HOPS_RETURN_IF_ERROR(ValidateUsername(username));
  HOPS_RETURN_IF_ERROR(platform::CheckPasswordPolicy(password));
  return ValidateEmail(email);
}

}  // namespace

Result<User> UserService::Insert(Context* ctx, const std::string& username, const std::string& password,
                                 const std::string& email, const std::string& role, const std::string& status) {
  HOPS_ASSIGN_OR_RETURN(std::string hash, platform::HashPassword(password));
  User u;
  Status st = store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto existing, FindUser(t, username));
    if (existing) return AlreadyExists("user '" + username + "' already exists");
    int64_t now = Now();
    HOPS_ASSIGN_OR_RETURN(
        int64_t id, t.Insert("INSERT INTO users (username, email, password_hash, role, status, failed_logins, "
                             "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                             {username, email, hash, role, status, now, now}));
    u = User{id, username, email, role, status, 0, now};
    return ctx ? platform::RecordMutation(t, *ctx) : Status::Ok();
  });
  HOPS_RETURN_IF_ERROR(st);
  return u;
}

Status UserService::Bootstrap(const std::string& password, std::string* generated) {
  bool exists = false;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT id FROM users WHERE role = 'ADMIN'"));
    exists = row.has_value();
    return Status::Ok();
  }));
  if (exists) return Status::Ok();
  std::string pw = password;
  if (pw.empty()) {
    pw = crypto::RandomToken(15);
    *generated = pw;
  }
  HOPS_RETURN_IF_ERROR(platform::CheckPasswordPolicy(pw));
  auto r = Insert(nullptr, "admin", pw, "admin@localhost.localdomain", "ADMIN", "ACTIVE");
  if (!r.ok()) {
    generated->clear();  // another server created it first, or an `admin` user exists: nothing to show
    if (r.status().code() != Code::kAlreadyExists) return r.status();
  }
  return Status::Ok();
}

Status UserService::ResetAdmin(const std::string& password) {
  HOPS_RETURN_IF_ERROR(platform::CheckPasswordPolicy(password));
  HOPS_ASSIGN_OR_RETURN(std::string hash, platform::HashPassword(password));
  Context ctx;
  ctx.who.username = "operator";
  ctx.req.client = "local";
  ctx.req.method = "START";
  ctx.req.route = "hopsd --reset-admin-password";
  ctx.req.action = "user.reset_admin";
  ctx.req.target = "admin";
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto admin, FindUser(t, "admin", true));
    if (!admin) return NotFound("there is no account named 'admin' to reset");
    HOPS_RETURN_IF_ERROR(t.Exec("UPDATE users SET password_hash = ?, status = 'ACTIVE', role = 'ADMIN', "
                                "failed_logins = 0, updated_at = ? WHERE id = ?",
                                {hash, Now(), admin->id})
                             .status());
    HOPS_RETURN_IF_ERROR(t.Exec("UPDATE sessions SET revoked = 1 WHERE user_id = ?", {admin->id}).status());
    return platform::RecordMutation(t, ctx);
  });
}

Result<LoginResult> UserService::Login(Context& ctx, const std::string& username, const std::string& password) {
  // Throttle guessing across many accounts from one address (lockout covers one account).
  const std::string address = ctx.req.client.substr(0, ctx.req.client.rfind(':'));
  if (int wait = address_failures_.RetryAfter(address, Now()); wait > 0)
    return TooManyRequests("too many failed logins from your address; retry in " + std::to_string(wait) + " s")
        .WithRetryAfter(wait);
  // A name that cannot exist gets the generic answer before it is recorded or
  // used as a key anywhere (no unbounded audit fields or limiter keys).
  if (!ValidateUsername(username).ok() || password.size() > 1024) {
    ctx.req.target = "(invalid username)";
    address_failures_.RecordFailure(address, Now());
    return Unauthenticated("invalid username or password");
  }
  ctx.req.target = username;
  if (int wait = user_failures_.RetryAfter(username, Now()); wait > 0)
    return TooManyRequests("too many failed logins for this account; retry in " + std::to_string(wait) + " s")
        .WithRetryAfter(wait);
  Result<LoginResult> result = CheckLogin(ctx, username, password);
  if (!result.ok() && (result.status().code() == Code::kUnauthenticated ||
                       result.status().code() == Code::kPermissionDenied)) {
    address_failures_.RecordFailure(address, Now());
    user_failures_.RecordFailure(username, Now());
  }
  return result;
}

Result<LoginResult> UserService::CheckLogin(Context& ctx, const std::string& username, const std::string& password) {
  std::optional<User> user;
  std::string hash;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne(std::string("SELECT ") + kUserCols +
                                                   ", password_hash FROM users WHERE username = ?",
                                               {username}));
    if (row) {
      user = UserFrom(*row);
      hash = row->Str(7);
    }
    return Status::Ok();
  }));
  const Status bad = Unauthenticated("invalid username or password");
  if (!user) {
    platform::BurnPasswordCheck(password);
    return bad;
  }
  bool good = platform::VerifyPassword(hash, password);
  if (user->status == "LOCKED")
    return PermissionDenied("account is locked after too many failed logins; ask an admin to unlock it");
  if (!good) {
    HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
      HOPS_ASSIGN_OR_RETURN(auto u, FindUser(t, username, true));
      if (!u) return Status::Ok();
      int64_t fails = u->failed_logins + 1;
      std::string status = u->status;
      if (fails >= settings_.max_failed_logins && status == "ACTIVE") status = "LOCKED";
      return t.Exec("UPDATE users SET failed_logins = ?, status = ?, updated_at = ? WHERE id = ?",
                    {fails, status, Now(), u->id})
          .status();
    }));
    return bad;
  }
  if (user->status == "PENDING") return PermissionDenied("account is waiting for an admin's approval");
  if (user->status == "DEACTIVATED") return PermissionDenied("account is deactivated; ask an admin");
  LoginResult out;
  ctx.who.username = user->username;
  ctx.who.user_id = user->id;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    if (user->failed_logins != 0)
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE users SET failed_logins = 0 WHERE id = ?", {user->id}).status());
    HOPS_ASSIGN_OR_RETURN(out.token, auth_.IssueSession(t, user->id));
    return platform::RecordMutation(t, ctx);
  }));
  out.user = *user;
  out.user.failed_logins = 0;
  return out;
}

Status UserService::Logout(Context& ctx) {
  HOPS_RETURN_IF_ERROR(RequireSession(ctx, "logout"));
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_RETURN_IF_ERROR(t.Exec("UPDATE sessions SET revoked = 1 WHERE id = ?", {ctx.who.session_id}).status());
    return platform::RecordMutation(t, ctx);
  });
}

Result<User> UserService::Register(Context& ctx, const std::string& username, const std::string& password,
                                   const std::string& email) {
  if (!settings_.allow_registration)
    return PermissionDenied("self-registration is disabled on this platform; ask an admin for an account");
  HOPS_RETURN_IF_ERROR(CheckNewAccount(username, password, email));
  ctx.req.target = username;
  // Each registration costs a password hash and a row: throttle per address.
  const std::string address = ctx.req.client.substr(0, ctx.req.client.rfind(':'));
  if (int wait = address_failures_.RetryAfter(address, Now()); wait > 0)
    return TooManyRequests("too many attempts from your address; retry in " + std::to_string(wait) + " s")
        .WithRetryAfter(wait);
  address_failures_.RecordFailure(address, Now());
  return Insert(&ctx, username, password, email, "USER", "PENDING");
}

Result<User> UserService::Create(Context& ctx, const std::string& username, const std::string& password,
                                 const std::string& email, const std::string& role) {
  ctx.req.target = username;
  HOPS_RETURN_IF_ERROR(RequireAdmin(ctx));
  HOPS_RETURN_IF_ERROR(CheckNewAccount(username, password, email));
  if (role != "USER" && role != "ADMIN") return InvalidArgument("role must be USER or ADMIN");
  return Insert(&ctx, username, password, email, role, "ACTIVE");
}

Result<User> UserService::Me(Context& ctx) {
  ctx.req.target = ctx.who.username;
  std::optional<User> u;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(u, FindUser(t, ctx.who.username));
    return Status::Ok();
  }));
  if (!u) return NotFound("your account no longer exists");
  return *u;
}

Result<User> UserService::Get(Context& ctx, const std::string& username) {
  ctx.req.target = username;
  HOPS_RETURN_IF_ERROR(RequireAdmin(ctx));
  std::optional<User> u;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(u, FindUser(t, username));
    return Status::Ok();
  }));
  if (!u) return NotFound("user '" + username + "' not found");
  return *u;
}

Result<Page<User>> UserService::List(Context& ctx, const PageRequest& page) {
  HOPS_RETURN_IF_ERROR(RequireAdmin(ctx));
  Page<User> out;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    out.items.clear();
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query(std::string("SELECT ") + kUserCols +
                                                 " FROM users WHERE username > ? ORDER BY username LIMIT ?",
                                             {page.after, int64_t{page.limit} + 1}));
    for (const auto& r : rows) out.items.push_back(UserFrom(r));
    return Status::Ok();
  }));
  if (static_cast<int>(out.items.size()) > page.limit) {
    out.items.pop_back();
    out.next_page_token = EncodeCursor(out.items.back().username);
  }
  return out;
}

Result<User> UserService::Update(Context& ctx, const std::string& username, const UserUpdate& up) {
  ctx.req.target = username;
  HOPS_RETURN_IF_ERROR(RequireAdmin(ctx));
  if (up.status && *up.status != "ACTIVE" && *up.status != "DEACTIVATED" && *up.status != "LOCKED")
    return InvalidArgument("status must be ACTIVE, LOCKED or DEACTIVATED");
  if (up.role && *up.role != "USER" && *up.role != "ADMIN") return InvalidArgument("role must be USER or ADMIN");
  if (up.email) HOPS_RETURN_IF_ERROR(ValidateEmail(*up.email));
  if (username == ctx.who.username && ((up.status && *up.status != "ACTIVE") || (up.role && *up.role != "ADMIN")))
    return Conflict("admins cannot deactivate, lock or demote themselves; ask another admin");
  User u;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto cur, FindUser(t, username, true));
    if (!cur) return NotFound("user '" + username + "' not found");
    u = *cur;
    if (up.status) {
      if (*up.status == "ACTIVE") u.failed_logins = 0;
      u.status = *up.status;
    }
    if (up.role) u.role = *up.role;
    if (up.email) u.email = *up.email;
    HOPS_RETURN_IF_ERROR(t.Exec("UPDATE users SET status = ?, role = ?, email = ?, failed_logins = ?, "
                                "updated_at = ? WHERE id = ?",
                                {u.status, u.role, u.email, u.failed_logins, Now(), u.id})
                             .status());
    if (u.status != "ACTIVE")
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE sessions SET revoked = 1 WHERE user_id = ?", {u.id}).status());
    if (u.status == "DEACTIVATED" && certs_) HOPS_RETURN_IF_ERROR(certs_->RevokeUser(t, ctx, u.id));
    return platform::RecordMutation(t, ctx);
  }));
  return u;
}

Status UserService::ChangePassword(Context& ctx, const std::string& current, const std::string& next) {
  ctx.req.target = ctx.who.username;
  HOPS_RETURN_IF_ERROR(RequireSession(ctx, "changing a password"));
  HOPS_RETURN_IF_ERROR(platform::CheckPasswordPolicy(next));
  std::string hash;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT password_hash FROM users WHERE id = ?", {ctx.who.user_id}));
    if (!row) return NotFound("your account no longer exists");
    hash = row->Str(0);
    return Status::Ok();
  }));
  if (int wait = user_failures_.RetryAfter(ctx.who.username, Now()); wait > 0)
    return TooManyRequests("too many wrong passwords for this account; retry in " + std::to_string(wait) + " s")
        .WithRetryAfter(wait);
  if (!platform::VerifyPassword(hash, current)) {
    user_failures_.RecordFailure(ctx.who.username, Now());
    return PermissionDenied("current password is wrong");
  }
  HOPS_ASSIGN_OR_RETURN(std::string next_hash, platform::HashPassword(next));
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_RETURN_IF_ERROR(t.Exec("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                                {next_hash, Now(), ctx.who.user_id})
                             .status());
    // Every other session of the user ends; the current one stays.
    HOPS_RETURN_IF_ERROR(t.Exec("UPDATE sessions SET revoked = 1 WHERE user_id = ? AND id <> ?",
                                {ctx.who.user_id, ctx.who.session_id})
                             .status());
    return platform::RecordMutation(t, ctx);
  });
}

Result<std::string> UserService::RotateSigningKey(Context& ctx) {
  HOPS_RETURN_IF_ERROR(RequireAdmin(ctx));
  std::string kid;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(kid, auth_.AddSigningKey(t));
    ctx.req.target = kid;
    return platform::RecordMutation(t, ctx);
  }));
  HOPS_RETURN_IF_ERROR(auth_.ReloadKeys());
  return kid;
}

Result<ApiKeyInfo> UserService::CreateApiKey(Context& ctx, const std::string& name,
                                             const std::vector<std::string>& scopes) {
  ctx.req.target = name;
  HOPS_RETURN_IF_ERROR(RequireSession(ctx, "creating an API key"));
  HOPS_RETURN_IF_ERROR(ValidateKeyName(name));
  if (scopes.empty()) return InvalidArgument("an API key needs at least one scope");
  HOPS_ASSIGN_OR_RETURN(uint32_t mask, platform::ParseScopes(scopes));
  if ((mask & static_cast<uint32_t>(platform::Scope::kAdmin)) && !ctx.who.admin)
    return PermissionDenied("only admins can create keys with the ADMIN scope");
  platform::NewApiKey k = platform::Authenticator::GenerateApiKey();
  ApiKeyInfo info{name, k.prefix, mask, Now(), std::nullopt, k.key};
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto dup, t.QueryOne("SELECT id FROM api_keys WHERE user_id = ? AND name = ?",
                                               {ctx.who.user_id, name}));
    if (dup) return AlreadyExists("you already have an API key named '" + name + "'");
    HOPS_ASSIGN_OR_RETURN(auto count, t.QueryOne("SELECT COUNT(*) FROM api_keys WHERE user_id = ?", {ctx.who.user_id}));
    if (count->Int(0) >= kMaxApiKeysPerUser)
      return QuotaExceeded("you have " + std::to_string(count->Int(0)) + " API keys, the limit; revoke one first");
    HOPS_RETURN_IF_ERROR(t.Insert("INSERT INTO api_keys (user_id, name, prefix, secret_hash, scopes, created_at) "
                                  "VALUES (?, ?, ?, ?, ?, ?)",
                                  {ctx.who.user_id, name, k.prefix, meta::Blob{k.secret_hash}, int64_t{mask},
                                   info.created_at})
                             .status());
    return platform::RecordMutation(t, ctx);
  }));
  return info;
}

Result<std::vector<ApiKeyInfo>> UserService::ListApiKeys(Context& ctx) {
  std::vector<ApiKeyInfo> out;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    out.clear();
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query("SELECT name, prefix, scopes, created_at, last_used_at FROM api_keys "
                                             "WHERE user_id = ? ORDER BY name",
                                             {ctx.who.user_id}));
    for (const auto& r : rows)
      out.push_back(ApiKeyInfo{r.Str(0), r.Str(1), static_cast<uint32_t>(r.Int(2)), r.Int(3), r.OptInt(4), ""});
    return Status::Ok();
  }));
  return out;
}

Status UserService::RevokeApiKey(Context& ctx, const std::string& name) {
  ctx.req.target = name;
  HOPS_RETURN_IF_ERROR(RequireSession(ctx, "revoking an API key"));
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(int64_t n, t.Exec("DELETE FROM api_keys WHERE user_id = ? AND name = ?",
                                            {ctx.who.user_id, name}));
    if (n == 0) return NotFound("you have no API key named '" + name + "'");
    return platform::RecordMutation(t, ctx);
  });
}

}  // namespace hops::services
