// Authentication: signed session tokens and API keys, verified against the
// store on every request (so a logout, a revoked key or a deactivated user is
// refused at once by every server sharing the store).
//
// Session token: base64url("1|kid|session_id|user_id|expires_us") "." base64url(HMAC-SHA256)
//   signed with a key from the store's signing_keys table (kid selects it,
//   so keys can be rotated while older tokens stay valid until they expire).
// API key: "hops_" prefix "." secret; the store keeps SHA-256(secret) only.
#pragma once

#include <cstdint>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "meta/store.h"
#include "platform/principal.h"

namespace hops::platform {

struct IssuedToken {
  std::string token;
  int64_t expires_at_us;
};

struct NewApiKey {
  std::string key;          // shown to the user once
  std::string prefix;       // public identifier, stored
  std::string secret_hash;  // SHA-256 of the secret, stored
};

class Authenticator {
 public:
  Authenticator(meta::Store& store, const Clock* clock, int64_t session_ttl_s)
      : store_(store), clock_(clock), ttl_us_(session_ttl_s * 1000000) {}

  // Makes sure an active signing key exists and loads the keys.
  Status Init();
  // Parses an Authorization header value ("Bearer ..." or "ApiKey ...").
  // Every failure is UNAUTHENTICATED with a message that says what to do.
  Result<Principal> Authenticate(std::string_view authorization);
  // A client certificate that passed the TLS handshake (chain to the platform
  // CA, validity dates), by serial and SHA-256 fingerprint: it must be exactly
  // a member or service certificate issued here, not revoked, of an active
  // user. The principal acts inside that certificate's project only.
  Result<Principal> AuthenticateCertificate(const std::string& serial, const std::string& fingerprint);
  // Creates a session row inside the caller's write transaction.
  Result<IssuedToken> IssueSession(meta::Txn& txn, int64_t user_id);
  // Adds a new signing key inside the caller's transaction and makes it the
  // one used for new tokens; returns its id. Call ReloadKeys() after commit.
  Result<std::string> AddSigningKey(meta::Txn& txn);
  Status ReloadKeys() { return LoadKeys(); }
  // AddSigningKey in its own transaction, then reload (tests, tools).
  Status RotateSigningKey();

  static NewApiKey GenerateApiKey();

 private:
  Result<Principal> AuthenticateSession(std::string_view token);
  Result<Principal> AuthenticateApiKey(std::string_view key);
  Status LoadKeys();
  Status ReloadKeysIfStale(int64_t max_age_us);
  bool LookupKey(const std::string& kid, std::string* secret);

  meta::Store& store_;
  const Clock* clock_;
  int64_t ttl_us_;
  std::shared_mutex mu_;
  std::map<std::string, std::string> keys_;  // kid -> secret
  std::string active_kid_;
  int64_t loaded_at_us_ = 0;
};

}  // namespace hops::platform
