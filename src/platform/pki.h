// The platform's certificate authority (OpenSSL 3): a root CA and an
// intermediate CA kept in a directory of PEM files, the server certificate
// of hopsd, leaf certificates for project members and services, CRLs and
// PKCS#12 bundles.
//
// Files in the PKI directory (keys 0600):
//   root-ca.pem, root-ca.key                 the root (the key may be moved offline
//                                            once the intermediate exists)
//   intermediate-ca.pem, intermediate-ca.key signs every leaf and the CRL
//   server.pem (leaf + intermediate), server.key
//   key-encryption.key                       seals member private keys in the store
// An operator imports CA material by placing root-ca.pem (and either
// root-ca.key or intermediate-ca.pem with intermediate-ca.key) there before
// the first start; whatever is missing is created.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace hops::platform {

enum class CertUsage { kServer, kClient };

struct CertRequest {
  std::string common_name;
  std::vector<std::pair<std::string, std::string>> subject;  // extra RDNs before CN, e.g. {"OU", "demo"}
  std::vector<std::string> dns_names, ip_addresses, uris;     // subjectAltName entries
  CertUsage usage = CertUsage::kClient;
  int64_t lifetime_s = 365 * 86400;
};

struct IssuedCert {
  std::string serial;       // lower-case hex, no leading zeros
  std::string cert_pem;
  std::string key_pem;      // PKCS#8, unencrypted
  int64_t not_before_us = 0, not_after_us = 0;
  std::string fingerprint;  // SHA-256 of the DER, colon-separated upper-case hex
  std::string subject;      // one-line RFC 2253 form
};

struct RevokedCert {
  std::string serial;
  int64_t revoked_at_us = 0;
  int reason = 0;  // RFC 5280 CRLReason: 1 keyCompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation
};

class CertificateAuthority {
 public:
  // Loads the CA from `dir`, creating what is missing (see above).
  static Result<std::unique_ptr<CertificateAuthority>> Open(const std::string& dir, const Clock* clock);
  ~CertificateAuthority();

  // A new P-256 key pair and a certificate signed by the intermediate CA.
  Result<IssuedCert> Issue(const CertRequest& req) const;
  // Makes sure server.pem/server.key exist, are signed by this CA, cover
  // `hostnames` (plus localhost and 127.0.0.1) and are not near expiry;
  // reissues them otherwise. Returns the two paths.
  Status EnsureServerCert(const std::vector<std::string>& hostnames, std::string* cert_path,
                          std::string* key_path) const;
  // A CRL signed by the intermediate CA listing `revoked`.
  Result<std::string> Crl(const std::vector<RevokedCert>& revoked, int64_t crl_number) const;
  // A PKCS#12 file (DER) holding key, certificate and chain, protected by `password`.
  Result<std::string> Pkcs12(const std::string& key_pem, const std::string& cert_pem, const std::string& password,
                             const std::string& friendly_name) const;
  // Seals and opens secrets (member private keys) with the key-encryption key (AES-256-GCM).
  Result<std::string> Seal(std::string_view plain) const;
  Result<std::string> Unseal(std::string_view sealed) const;

  const std::string& root_pem() const { return root_pem_; }
  const std::string& intermediate_pem() const { return inter_pem_; }
  std::string chain_pem() const { return inter_pem_ + root_pem_; }  // intermediate, then root
  const std::string& root_fingerprint() const { return root_fp_; }
  // SHA-256 of the key-encryption key (hex): servers sharing a store must agree on it.
  std::string kek_fingerprint() const;
  const std::string& dir() const { return dir_; }
  // A file holding root and intermediate: what servers verify client certificates with.
  std::string trust_file() const;

  struct Keys;

 private:
  CertificateAuthority() = default;
  std::string dir_;
  const Clock* clock_ = nullptr;
  std::unique_ptr<Keys> keys_;
  std::string root_pem_, inter_pem_, root_fp_, kek_;
};

// Facts read from a PEM certificate (for tests and tools).
struct CertInfo {
  std::string serial, subject, issuer, fingerprint;
  int64_t not_before_us = 0, not_after_us = 0;
};
Result<CertInfo> ParseCertificate(std::string_view pem);

}  // namespace hops::platform
