// Certificates of project members and services, issued by the platform CA.
//
// Every member of a project holds one active member certificate, CN
// "<project>__<username>" (also OU=<project>, UID=<username> and a SAN URI
// hops:project/<project>/user/<username>). It is issued when the user
// joins (or creates) the project, rotated on request, and revoked when the
// member leaves, the project is deleted or the user is deactivated. Its
// private key is kept sealed in the store so that the member can download a
// bundle (PEM and PKCS#12) at any time.
//
// Service certificates carry the same identity for a few hours, for jobs
// and platform services; their keys are handed out once and never stored,
// and they are renewed before expiry with a fresh key.
//
// Every issue, download, rotation and revocation is an audit record.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "meta/store.h"
#include "platform/pki.h"
#include "platform/principal.h"

namespace hops::services {

struct CertRecord {
  std::string serial, kind, project, username, subject, fingerprint, cert_pem, purpose, renewed_from, created_by;
  int64_t not_before = 0, not_after = 0, created_at = 0;
  std::optional<int64_t> revoked_at;
  int revoke_reason = 0;
};

struct CertBundle {
  CertRecord cert;
  std::string key_pem, chain_pem;
  std::string pkcs12;  // DER; member bundles only
};

struct CertSettings {
  int64_t member_days = 365;
  int64_t service_default_hours = 4;
  int64_t service_max_hours = 24;
};

// RFC 5280 revocation reasons used here.
constexpr int kReasonKeyCompromise = 1;
constexpr int kReasonAffiliationChanged = 3;
constexpr int kReasonSuperseded = 4;
constexpr int kReasonCessationOfOperation = 5;

class CertService {
 public:
  CertService(meta::Store& store, platform::CertificateAuthority& ca, CertSettings settings,
              const Clock* clock = Clock::Real())
      : store_(store), ca_(ca), settings_(settings), clock_(clock) {}

  // ---- Inside the caller's write transaction (projects, users).
  Result<CertRecord> IssueMember(meta::Txn& t, platform::Context& ctx, int64_t project_id, const std::string& project,
                                 int64_t user_id, const std::string& username);
  Status RevokeMember(meta::Txn& t, platform::Context& ctx, int64_t project_id, int64_t user_id, int reason);
  Status RevokeProject(meta::Txn& t, platform::Context& ctx, int64_t project_id);
  Status RevokeUser(meta::Txn& t, platform::Context& ctx, int64_t user_id);

  // ---- Requests.
  // The project's certificates: all for a Data Owner, the caller's own otherwise.
  Result<std::vector<CertRecord>> List(platform::Context& ctx, const std::string& project, bool include_revoked);
  // The caller's active member certificate.
  Result<CertRecord> Mine(platform::Context& ctx, const std::string& project);
  // Key, certificate, chain and a PKCS#12 file protected by `password`.
  Result<CertBundle> Bundle(platform::Context& ctx, const std::string& project, const std::string& password);
  // Revokes the caller's member certificate (superseded) and issues a new one.
  Result<CertRecord> Rotate(platform::Context& ctx, const std::string& project);
  // A short-lived certificate for `username` (default: the caller) in the project.
  Result<CertBundle> IssueService(platform::Context& ctx, const std::string& project, const std::string& username,
                                  std::optional<int64_t> hours, const std::string& purpose);
  // A new short-lived certificate (new key) for the identity of an active,
  // unexpired service certificate.
  Result<CertBundle> Renew(platform::Context& ctx, const std::string& project, const std::string& serial,
                           std::optional<int64_t> hours);
  Status Revoke(platform::Context& ctx, const std::string& project, const std::string& serial, int reason);

  // The current CRL (PEM), rebuilt whenever a revocation was recorded.
  Result<std::string> CrlPem();
  const platform::CertificateAuthority& ca() const { return ca_; }

 private:
  struct Issued {
    CertRecord rec;
    std::string key_pem;
  };
  Result<Issued> IssueAndRecord(meta::Txn& t, platform::Context& ctx, const std::string& kind, int64_t project_id,
                                const std::string& project, int64_t user_id, const std::string& username,
                                int64_t lifetime_s, const std::string& purpose, const std::string& renewed_from);
  Status RevokeWhere(meta::Txn& t, platform::Context& ctx, const std::string& where, const meta::Params& args,
                     int reason);
  Result<int64_t> CheckHours(std::optional<int64_t> hours) const;
  int64_t Now() const { return clock_->NowMicros(); }

  meta::Store& store_;
  platform::CertificateAuthority& ca_;
  CertSettings settings_;
  const Clock* clock_;
  std::mutex crl_mu_;
  std::string crl_key_, crl_pem_;
  int64_t crl_built_us_ = 0, crl_number_ = 0;
};

}  // namespace hops::services
