// Password hashing with Argon2id (encoded PHC strings) and the password policy.
#pragma once

#include <string>

#include "core/status.h"

namespace hops::platform {

Result<std::string> HashPassword(const std::string& password);
// Constant-time check of a password against an encoded Argon2id hash.
bool VerifyPassword(const std::string& encoded, const std::string& password);
// Runs a verification against a fixed hash so that unknown users take as
// long as known ones.
void BurnPasswordCheck(const std::string& password);
// 8 to 1024 bytes; says what is wrong.
Status CheckPasswordPolicy(const std::string& password);

}  // namespace hops::platform
