// Argon2id via libargon2, with OWASP-recommended cost (19 MiB, t=2, p=1).
#include <cstring>

#include "platform/passwords.h"

#include <argon2.h>

#include "core/crypto.h"

namespace hops::platform {
namespace {
constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19456;
constexpr uint32_t kParallelism = 1;
constexpr size_t kSaltLen = 16;
constexpr size_t kHashLen = 32;
}  // namespace

Result<std::string> HashPassword(const std::string& password) {
  std::string salt = crypto::RandomBytes(kSaltLen);
  size_t enc_len = argon2_encodedlen(kTimeCost, kMemoryKiB, kParallelism, kSaltLen, kHashLen, Argon2_id);
  std::string encoded(enc_len, '\0');
  int rc = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kParallelism, password.data(), password.size(),
                                 salt.data(), salt.size(), kHashLen, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Internal(std::string("password hashing failed: ") + argon2_error_message(rc));
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool VerifyPassword(const std::string& encoded, const std::string& password) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

void BurnPasswordCheck(const std::string& password) {
  static const std::string kDummy = [] {
    auto r = HashPassword("burn-the-same-time");
    return r.ok() ? r.value() : std::string();
  }();
  (void)VerifyPassword(kDummy, password);
}

Status CheckPasswordPolicy(const std::string& password) {
  if (password.size() < 8) return InvalidArgument("password must be at least 8 characters long");
  if (password.size() > 1024) return InvalidArgument("password must be at most 1024 bytes long");
  if (password.find('\0') != std::string::npos) return InvalidArgument("password must not contain NUL");
  return Status::Ok();
}

}  // namespace hops::platform
