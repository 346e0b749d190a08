// Session tokens and API key verification.
#include "platform/auth.h"

#include <mutex>

#include "core/crypto.h"

namespace hops::platform {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool ParseI64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;  // 18 digits cannot overflow int64
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

Status Invalid(const std::string& what) { return Unauthenticated(what); }

}  // namespace

Status Authenticator::Init() {
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT kid FROM signing_keys WHERE active = 1"));
    if (row) return Status::Ok();
    return t.Exec("INSERT INTO signing_keys (kid, secret, created_at, active) VALUES (?, ?, ?, 1)",
                  {crypto::Hex(crypto::RandomBytes(8)), meta::Blob{crypto::RandomBytes(32)},
                   clock_->NowMicros()})
        .status();
  }));
  return LoadKeys();
}

Status Authenticator::LoadKeys() {
  std::map<std::string, std::string> keys;
  std::string active;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query("SELECT kid, secret, active, created_at FROM signing_keys "
                                             "ORDER BY created_at"));
    for (const auto& r : rows) {
      keys[r.Str(0)] = r.Str(1);
      if (r.Int(2)) active = r.Str(0);  // newest active wins
    }
    return Status::Ok();
  }));
  std::unique_lock lock(mu_);
  keys_ = std::move(keys);
  active_kid_ = active;
  loaded_at_us_ = clock_->NowMicros();
  return Status::Ok();
}

Result<std::string> Authenticator::AddSigningKey(meta::Txn& t) {
  std::string kid = crypto::Hex(crypto::RandomBytes(8));
  // Older keys stay (inactive) so the tokens they signed verify until they expire.
  HOPS_RETURN_IF_ERROR(t.Exec("UPDATE signing_keys SET active = 0 WHERE active = 1").status());
  HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO signing_keys (kid, secret, created_at, active) VALUES (?, ?, ?, 1)",
                              {kid, meta::Blob{crypto::RandomBytes(32)}, clock_->NowMicros()})
                           .status());
  return kid;
}

Status Authenticator::RotateSigningKey() {
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) { return AddSigningKey(t).status(); }));
  return LoadKeys();
}

Status Authenticator::ReloadKeysIfStale(int64_t max_age_us) {
  {
    std::shared_lock lock(mu_);
    if (clock_->NowMicros() - loaded_at_us_ < max_age_us) return Status::Ok();
  }
  return LoadKeys();
}

bool Authenticator::LookupKey(const std::string& kid, std::string* secret) {
  {
    std::shared_lock lock(mu_);
    auto it = keys_.find(kid);
    if (it != keys_.end()) {
      *secret = it->second;
      return true;
    }
  }
  // A key made by another server after we loaded ours. Reload at most once a
  // second, so tokens with made-up key ids cannot turn into store reads.
  if (!ReloadKeysIfStale(1'000'000).ok()) return false;
  std::shared_lock lock(mu_);
  auto it = keys_.find(kid);
  if (it == keys_.end()) return false;
  *secret = it->second;
  return true;
}

Result<IssuedToken> Authenticator::IssueSession(meta::Txn& txn, int64_t user_id) {
  // Pick up a rotation made through another server within a minute.
  HOPS_RETURN_IF_ERROR(ReloadKeysIfStale(60'000'000));
  std::string kid, secret;
  {
    std::shared_lock lock(mu_);
    kid = active_kid_;
    auto it = keys_.find(kid);
    if (it != keys_.end()) secret = it->second;
  }
  if (kid.empty() || secret.empty()) return Internal("no session signing key is loaded");
  std::string sid = crypto::Hex(crypto::RandomBytes(16));
  int64_t now = clock_->NowMicros();
  int64_t exp = now + ttl_us_;
  // Housekeeping: this user's expired sessions go (bounded work per login).
  HOPS_RETURN_IF_ERROR(txn.Exec("DELETE FROM sessions WHERE user_id = ? AND expires_at < ?", {user_id, now}).status());
  HOPS_RETURN_IF_ERROR(txn.Exec("INSERT INTO sessions (id, user_id, created_at, expires_at, revoked) "
                                "VALUES (?, ?, ?, ?, 0)",
                                {sid, user_id, now, exp})
                           .status());
  std::string payload = "1|" + kid + "|" + sid + "|" + std::to_string(user_id) + "|" + std::to_string(exp);
  IssuedToken t;
  t.token = crypto::Base64Url(payload) + "." + crypto::Base64Url(crypto::HmacSha256(secret, payload));
  t.expires_at_us = exp;
  return t;
}

NewApiKey Authenticator::GenerateApiKey() {
  NewApiKey k;
  k.prefix = crypto::Hex(crypto::RandomBytes(8));
  std::string secret = crypto::RandomToken(32);
  k.key = "hops_" + k.prefix + "." + secret;
  k.secret_hash = crypto::Sha256(secret);
  return k;
}

Result<Principal> Authenticator::Authenticate(std::string_view header) {
  if (header.empty())
    return Unauthenticated("authentication required: send 'Authorization: Bearer <token>' or "
                           "'Authorization: ApiKey <key>'");
  auto sp = header.find(' ');
  if (sp == std::string_view::npos)
    return Invalid("malformed Authorization header; expected 'Bearer <token>' or 'ApiKey <key>'");
  std::string_view scheme = header.substr(0, sp), cred = header.substr(sp + 1);
  while (!cred.empty() && cred.front() == ' ') cred.remove_prefix(1);
  if (cred.size() > 512) return Invalid("credential is too long");
  auto ieq = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
        return false;
    return true;
  };
  if (ieq(scheme, "Bearer")) return AuthenticateSession(cred);
  if (ieq(scheme, "ApiKey")) return AuthenticateApiKey(cred);
  return Invalid("unsupported authorization scheme '" + std::string(scheme) +
                 "'; use 'Bearer <token>' or 'ApiKey <key>'");
}

Result<Principal> Authenticator::AuthenticateSession(std::string_view token) {
  auto dot = token.find('.');
  std::string payload, mac;
  if (dot == std::string_view::npos || !crypto::Base64UrlDecode(token.substr(0, dot), &payload) ||
      !crypto::Base64UrlDecode(token.substr(dot + 1), &mac))
    return Invalid("malformed session token; log in again");
  auto parts = Split(payload, '|');
  int64_t user_id = 0, exp = 0;
  if (parts.size() != 5 || parts[0] != "1" || !ParseI64(parts[3], &user_id) || !ParseI64(parts[4], &exp))
    return Invalid("malformed session token; log in again");
  std::string secret;
  if (!LookupKey(std::string(parts[1]), &secret) ||
      !crypto::ConstantTimeEquals(crypto::HmacSha256(secret, payload), mac))
    return Invalid("invalid session token; log in again");
  if (exp <= clock_->NowMicros()) return Invalid("session token expired; log in again");
  std::string sid(parts[2]);
  Principal p;
  Status st = store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT s.revoked, u.username, u.role, u.status FROM sessions s "
                                               "JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.user_id = ?",
                                               {sid, user_id}));
    if (!row || row->Int(0) != 0) return Invalid("session has ended; log in again");
    if (row->Str(3) != "ACTIVE") return Invalid("account is " + row->Str(3) + "; log in is not possible");
    p.user_id = user_id;
    p.username = row->Str(1);
    p.admin = row->Str(2) == "ADMIN";
    return Status::Ok();
  });
  HOPS_RETURN_IF_ERROR(st);
  p.method = AuthMethod::kSession;
  p.scopes = kAllScopes;
  p.session_id = sid;
  return p;
}

Result<Principal> Authenticator::AuthenticateApiKey(std::string_view key) {
  if (key.rfind("hops_", 0) != 0) return Invalid("malformed API key; keys look like hops_<prefix>.<secret>");
  key.remove_prefix(5);
  auto dot = key.find('.');
  if (dot == std::string_view::npos || dot == 0)
    return Invalid("malformed API key; keys look like hops_<prefix>.<secret>");
  std::string prefix(key.substr(0, dot));
  std::string hash = crypto::Sha256(key.substr(dot + 1));
  Principal p;
  Status st = store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(
        auto row, t.QueryOne("SELECT k.id, k.user_id, k.secret_hash, k.scopes, u.username, u.role, u.status "
                             "FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?",
                             {prefix}));
    if (!row || !crypto::ConstantTimeEquals(row->Str(2), hash))
      return Invalid("invalid or revoked API key");
    if (row->Str(6) != "ACTIVE") return Invalid("account is " + row->Str(6) + "; its API keys do not work");
    p.api_key_id = row->Int(0);
    p.user_id = row->Int(1);
    p.scopes = static_cast<uint32_t>(row->Int(3));
    p.username = row->Str(4);
    p.admin = row->Str(5) == "ADMIN";
    return Status::Ok();
  });
  HOPS_RETURN_IF_ERROR(st);
  p.method = AuthMethod::kApiKey;
  return p;
}

Result<Principal> Authenticator::AuthenticateCertificate(const std::string& serial, const std::string& fingerprint) {
  Principal p;
  Status st = store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT c.user_id, c.project_id, c.project, c.revoked_at, c.not_after, "
                                               "u.username, u.status, c.fingerprint FROM certificates c JOIN users u "
                                               "ON u.id = c.user_id WHERE c.serial = ?",
                                               {serial}));
    // The whole certificate must be the one issued: a serial alone is public.
    if (!row || !crypto::ConstantTimeEquals(row->Str(7), fingerprint))
      return Invalid("this client certificate is not a project-member certificate of this platform");
    if (!row->IsNull(3)) return Invalid("this client certificate was revoked; download or request a new one");
    if (row->Int(4) <= clock_->NowMicros()) return Invalid("this client certificate has expired");
    if (row->Str(6) != "ACTIVE") return Invalid("account is " + row->Str(6) + "; its certificates do not work");
    p.user_id = row->Int(0);
    p.only_project_id = row->Int(1);
    p.only_project = row->Str(2);
    p.username = row->Str(5);
    return Status::Ok();
  });
  HOPS_RETURN_IF_ERROR(st);
  p.method = AuthMethod::kCertificate;
  p.cert_serial = serial;
  p.admin = false;  // a project certificate never carries platform rights
  p.scopes = kAllScopes & ~static_cast<uint32_t>(Scope::kAdmin);
  return p;
}

}  // namespace hops::platform
