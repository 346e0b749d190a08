// Small cryptographic helpers over OpenSSL: randomness, SHA-256, HMAC,
// encodings and constant-time comparison. Password hashing is elsewhere
// (platform/passwords) because it has its own policy.
#pragma once

#include <string>
#include <string_view>

namespace hops::crypto {

std::string RandomBytes(size_t n);            // CSPRNG; aborts if the RNG fails
std::string RandomToken(size_t bytes);        // base64url of RandomBytes(bytes)
std::string Sha256(std::string_view data);    // raw 32 bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string Hex(std::string_view raw);
std::string Base64Url(std::string_view raw);  // no padding
std::string Base64(std::string_view raw);     // standard alphabet, padded (RFC 4648 section 4)
bool Base64UrlDecode(std::string_view text, std::string* out);
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// SHA-256 of the first certificate in `pem` (DER), as colon-separated upper-case
// hex, the form `openssl x509 -fingerprint -sha256` prints; "" if none parses.
std::string CertFingerprint(std::string_view pem);
// Bytes as colon-separated upper-case hex ("AB:CD:..."), the fingerprint form.
std::string ColonHex(std::string_view raw);

}  // namespace hops::crypto
