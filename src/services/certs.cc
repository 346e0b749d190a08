// Member and service certificates: issue, bundle, rotate, renew, revoke, CRL.
#include "services/certs.h"

#include "platform/audit.h"
#include "services/common.h"
#include "services/names.h"
#include "services/projects.h"

namespace hops::services {
using platform::Context;
namespace {

constexpr const char* kCertCols =
    "serial, kind, project, username, subject, fingerprint, cert_pem, purpose, renewed_from, created_by, "
    "not_before, not_after, created_at, revoked_at, revoke_reason";

CertRecord CertFrom(const meta::Row& r) {
  CertRecord c;
  c.serial = r.Str(0);
  c.kind = r.Str(1);
  c.project = r.Str(2);
  c.username = r.Str(3);
  c.subject = r.Str(4);
  c.fingerprint = r.Str(5);
  c.cert_pem = r.Str(6);
  c.purpose = r.Str(7);
  c.renewed_from = r.Str(8);
  c.created_by = r.Str(9);
  c.not_before = r.Int(10);
  c.not_after = r.Int(11);
  c.created_at = r.Int(12);
  if (!r.IsNull(13)) c.revoked_at = r.Int(13);
  c.revoke_reason = static_cast<int>(r.Int(14));
  return c;
}

// Live service certificates one member may hold in one project.
constexpr int64_t kMaxServiceCerts = 100;

Status CheckServiceCertLimit(meta::Txn& t, int64_t project_id, int64_t user_id, int64_t now) {
  HOPS_ASSIGN_OR_RETURN(auto n, t.QueryOne("SELECT COUNT(*) FROM certificates WHERE project_id = ? AND user_id = ? "
                                           "AND kind = 'service' AND revoked_at IS NULL AND not_after > ?",
                                           {project_id, user_id, now}));
  if (n->Int(0) >= kMaxServiceCerts)
    return QuotaExceeded("this member already holds " + std::to_string(n->Int(0)) +
                         " live service certificates in the project; revoke some or let them expire");
  return Status::Ok();
}

// An extra audit record in the caller's transaction (besides the request's own).
Status AuditCert(meta::Txn& t, const Context& ctx, const char* action, const std::string& serial,
                 const std::string& project) {
  Context c = ctx;
  c.req.action = action;
  c.req.target = serial;
  c.req.project = project;
  auto rec = platform::RecordFor(c, "OK", c.req.success_status);
  return platform::AppendAudit(t, rec);
}

}  // namespace

Result<CertService::Issued> CertService::IssueAndRecord(meta::Txn& t, Context& ctx, const std::string& kind,
                                                        int64_t project_id, const std::string& project,
                                                        int64_t user_id, const std::string& username,
                                                        int64_t lifetime_s, const std::string& purpose,
                                                        const std::string& renewed_from) {
  platform::CertRequest req;
  req.common_name = project + "__" + username;
  req.subject = {{"OU", project}, {"UID", username}};
  req.uris = {"hops:project/" + project + "/user/" + username};
  req.usage = platform::CertUsage::kClient;
  req.lifetime_s = lifetime_s;
  HOPS_ASSIGN_OR_RETURN(auto issued, ca_.Issue(req));
  Issued out;
  CertRecord& c = out.rec;
  c.serial = issued.serial;
  c.kind = kind;
  c.project = project;
  c.username = username;
  c.subject = issued.subject;
  c.fingerprint = issued.fingerprint;
  c.cert_pem = issued.cert_pem;
  c.purpose = purpose;
  c.renewed_from = renewed_from;
  c.created_by = ctx.who.username.empty() ? username : ctx.who.username;
  c.not_before = issued.not_before_us;
  c.not_after = issued.not_after_us;
  c.created_at = Now();
  meta::Value sealed = meta::Null{};
  if (kind == "member") {
    HOPS_ASSIGN_OR_RETURN(std::string s, ca_.Seal(issued.key_pem));
    sealed = std::move(s);
  }
  meta::Value from = renewed_from.empty() ? meta::Value(meta::Null{}) : meta::Value(renewed_from);
  HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO certificates (serial, kind, project_id, user_id, project, username, "
                              "subject, fingerprint, cert_pem, sealed_key, purpose, renewed_from, not_before, "
                              "not_after, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                              "?, ?)",
                              {c.serial, kind, project_id, user_id, project, username, c.subject, c.fingerprint,
                               c.cert_pem, sealed, purpose, from, c.not_before, c.not_after, c.created_at,
                               c.created_by})
                           .status());
  HOPS_RETURN_IF_ERROR(AuditCert(t, ctx, "cert.issue", c.serial, project));
  out.key_pem = std::move(issued.key_pem);
  return out;
}

Result<CertRecord> CertService::IssueMember(meta::Txn& t, Context& ctx, int64_t project_id, const std::string& project,
                                            int64_t user_id, const std::string& username) {
  HOPS_ASSIGN_OR_RETURN(auto issued, IssueAndRecord(t, ctx, "member", project_id, project, user_id, username,
                                                    settings_.member_days * 86400, "project member", ""));
  return issued.rec;
}

Status CertService::RevokeWhere(meta::Txn& t, Context& ctx, const std::string& where, const meta::Params& args,
                                int reason) {
  HOPS_ASSIGN_OR_RETURN(auto rows, t.Query("SELECT serial, project FROM certificates WHERE revoked_at IS NULL AND " +
                                               where,
                                           args));
  if (rows.empty()) return Status::Ok();
  const int64_t now = Now();
  for (const auto& r : rows) {
    HOPS_RETURN_IF_ERROR(t.Exec("UPDATE certificates SET revoked_at = ?, revoke_reason = ? WHERE serial = ?",
                                {now, int64_t{reason}, r.Str(0)})
                             .status());
    HOPS_RETURN_IF_ERROR(AuditCert(t, ctx, "cert.revoke", r.Str(0), r.Str(1)));
  }
  return Status::Ok();
}

Status CertService::RevokeMember(meta::Txn& t, Context& ctx, int64_t project_id, int64_t user_id, int reason) {
  return RevokeWhere(t, ctx, "project_id = ? AND user_id = ?", {project_id, user_id}, reason);
}

Status CertService::RevokeProject(meta::Txn& t, Context& ctx, int64_t project_id) {
  return RevokeWhere(t, ctx, "project_id = ?", {project_id}, kReasonCessationOfOperation);
}

Status CertService::RevokeUser(meta::Txn& t, Context& ctx, int64_t user_id) {
  return RevokeWhere(t, ctx, "user_id = ?", {user_id}, kReasonAffiliationChanged);
}

Result<std::vector<CertRecord>> CertService::List(Context& ctx, const std::string& project, bool include_revoked) {
  ctx.req.target = ctx.req.project = project;
  std::vector<CertRecord> out;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    out.clear();
    HOPS_ASSIGN_OR_RETURN(auto m, CallerMembership(t, ctx, project));
    std::string sql = std::string("SELECT ") + kCertCols + " FROM certificates WHERE project_id = ?";
    meta::Params args{m.id};
    if (m.role != kDataOwner) {
      sql += " AND user_id = ?";
      args.emplace_back(ctx.who.user_id);
    }
    if (!include_revoked) sql += " AND revoked_at IS NULL";
    sql += " ORDER BY created_at, serial LIMIT 1000";
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query(sql, args));
    for (const auto& r : rows) out.push_back(CertFrom(r));
    return Status::Ok();
  }));
  return out;
}

namespace {
// The caller's active member certificate in `m`, with its sealed key last.
Result<meta::Row> ActiveMemberCert(meta::Txn& t, const Context& ctx, const Membership& m, int64_t now) {
  HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne(std::string("SELECT ") + kCertCols +
                                                 ", sealed_key FROM certificates WHERE project_id = ? AND "
                                                 "user_id = ? AND kind = 'member' AND revoked_at IS NULL AND "
                                                 "not_after > ? ORDER BY created_at DESC LIMIT 1",
                                             {m.id, ctx.who.user_id, now}));
  if (!row)
    return NotFound("you have no active certificate in '" + m.name + "'; POST /api/v1/projects/" + m.name +
                    "/certificates/me/rotate issues a new one");
  return std::move(*row);
}
}  // namespace

Result<CertRecord> CertService::Mine(Context& ctx, const std::string& project) {
  ctx.req.target = ctx.req.project = project;
  CertRecord out;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto m, CallerMembership(t, ctx, project));
    HOPS_ASSIGN_OR_RETURN(auto row, ActiveMemberCert(t, ctx, m, Now()));
    out = CertFrom(row);
    return Status::Ok();
  }));
  return out;
}

Result<CertBundle> CertService::Bundle(Context& ctx, const std::string& project, const std::string& password) {
  ctx.req.target = ctx.req.project = project;
  HOPS_RETURN_IF_ERROR(RequireNotCertificate(ctx, "downloading a bundle"));
  if (password.size() < 8 || password.size() > 1024)
    return InvalidArgument("the bundle password must be 8 to 1024 characters; it protects the PKCS#12 file");
  CertBundle b;
  std::string sealed;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto m, CallerMembership(t, ctx, project));
    HOPS_ASSIGN_OR_RETURN(auto row, ActiveMemberCert(t, ctx, m, Now()));
    b.cert = CertFrom(row);
    sealed = row.Str(15);
    ctx.req.target = b.cert.serial;
    return platform::RecordMutation(t, ctx);  // cert.download
  }));
  HOPS_ASSIGN_OR_RETURN(b.key_pem, ca_.Unseal(sealed));
  b.chain_pem = ca_.chain_pem();
  HOPS_ASSIGN_OR_RETURN(b.pkcs12, ca_.Pkcs12(b.key_pem, b.cert.cert_pem, password, b.cert.project + "__" +
                                                                                        b.cert.username));
  return b;
}

Result<CertRecord> CertService::Rotate(Context& ctx, const std::string& project) {
  ctx.req.target = ctx.req.project = project;
  HOPS_RETURN_IF_ERROR(RequireNotCertificate(ctx, "rotating a certificate"));
  CertRecord out;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto m, CallerMembership(t, ctx, project));
    HOPS_RETURN_IF_ERROR(RevokeWhere(t, ctx, "project_id = ? AND user_id = ? AND kind = 'member'",
                                     {m.id, ctx.who.user_id}, kReasonSuperseded));
    HOPS_ASSIGN_OR_RETURN(out, IssueMember(t, ctx, m.id, m.name, ctx.who.user_id, ctx.who.username));
    ctx.req.target = out.serial;
    return platform::RecordMutation(t, ctx);  // cert.rotate
  }));
  return out;
}

Result<int64_t> CertService::CheckHours(std::optional<int64_t> hours) const {
  int64_t h = hours.value_or(settings_.service_default_hours);
  if (h < 1 || h > settings_.service_max_hours)
    return InvalidArgument("hours must be 1 to " + std::to_string(settings_.service_max_hours) +
                           " (service certificates are short-lived)");
  return h;
}

Result<CertBundle> CertService::IssueService(Context& ctx, const std::string& project, const std::string& username,
                                             std::optional<int64_t> hours, const std::string& purpose) {
  ctx.req.target = ctx.req.project = project;
  HOPS_RETURN_IF_ERROR(RequireNotCertificate(ctx, "issuing a service certificate"));
  HOPS_ASSIGN_OR_RETURN(int64_t h, CheckHours(hours));
  HOPS_RETURN_IF_ERROR(ValidateText("purpose", purpose, 200));
  const std::string who = username.empty() ? ctx.who.username : username;
  CertBundle b;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto m, CallerMembership(t, ctx, project));
    int64_t user_id = ctx.who.user_id;
    if (who != ctx.who.username) {
      if (m.role != kDataOwner)
        return PermissionDenied("only Data Owners of '" + m.name + "' can get certificates for other members");
      HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT u.id FROM project_members pm JOIN users u ON u.id = "
                                                 "pm.user_id WHERE pm.project_id = ? AND u.username = ? AND "
                                                 "u.status = 'ACTIVE'",
                                                 {m.id, who}));
      if (!row) return NotFound("'" + who + "' is not an active member of '" + m.name + "'");
      user_id = row->Int(0);
    }
    HOPS_RETURN_IF_ERROR(CheckServiceCertLimit(t, m.id, user_id, Now()));
    HOPS_ASSIGN_OR_RETURN(auto issued, IssueAndRecord(t, ctx, "service", m.id, m.name, user_id, who,
                                                      h * 3600, purpose.empty() ? "service" : purpose, ""));
    b.cert = std::move(issued.rec);
    b.key_pem = std::move(issued.key_pem);
    ctx.req.target = b.cert.serial;
    return platform::RecordMutation(t, ctx);
  }));
  b.chain_pem = ca_.chain_pem();
  return b;
}

Result<CertBundle> CertService::Renew(Context& ctx, const std::string& project, const std::string& serial,
                                      std::optional<int64_t> hours) {
  ctx.req.project = project;
  ctx.req.target = serial;
  HOPS_ASSIGN_OR_RETURN(int64_t h, CheckHours(hours));
  CertBundle b;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto m, CallerMembership(t, ctx, project));
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne(std::string("SELECT ") + kCertCols +
                                                   ", user_id FROM certificates WHERE serial = ? AND project_id = ?",
                                               {Lower(serial), m.id}));
    if (!row) return NotFound("no certificate " + serial + " in '" + m.name + "'");
    CertRecord old = CertFrom(*row);
    if (old.username != ctx.who.username && m.role != kDataOwner)
      return NotFound("no certificate " + serial + " in '" + m.name + "'");
    // A certificate renews itself only, never another one.
    if (ctx.who.method == platform::AuthMethod::kCertificate && ctx.who.cert_serial != old.serial)
      return PermissionDenied("a certificate may renew only itself");
    if (old.kind != "service") return Conflict("only service certificates are renewed; rotate member certificates");
    if (old.revoked_at) return Conflict("certificate " + serial + " was revoked; issue a new one instead");
    if (old.not_after <= Now()) return Conflict("certificate " + serial + " has expired; issue a new one instead");
    HOPS_ASSIGN_OR_RETURN(auto user, t.QueryOne("SELECT status FROM users WHERE id = ?", {row->Int(15)}));
    if (!user || user->Str(0) != "ACTIVE") return Conflict("'" + old.username + "' is no longer active");
    HOPS_RETURN_IF_ERROR(CheckServiceCertLimit(t, m.id, row->Int(15), Now()));
    // The old certificate ends with its renewal: one live certificate per lineage,
    // so revoking the newest revokes the identity.
    HOPS_RETURN_IF_ERROR(RevokeWhere(t, ctx, "serial = ?", {old.serial}, kReasonSuperseded));
    HOPS_ASSIGN_OR_RETURN(auto issued, IssueAndRecord(t, ctx, "service", m.id, m.name, row->Int(15),
                                                      old.username, h * 3600, old.purpose, old.serial));
    b.cert = std::move(issued.rec);
    b.key_pem = std::move(issued.key_pem);
    return platform::RecordMutation(t, ctx);
  }));
  b.chain_pem = ca_.chain_pem();
  return b;
}

Status CertService::Revoke(Context& ctx, const std::string& project, const std::string& serial, int reason) {
  ctx.req.project = project;
  ctx.req.target = serial;
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto m, CallerMembership(t, ctx, project));
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT user_id, revoked_at FROM certificates WHERE serial = ? AND "
                                               "project_id = ?",
                                               {Lower(serial), m.id}));
    if (!row || (row->Int(0) != ctx.who.user_id && m.role != kDataOwner))
      return NotFound("no certificate " + serial + " in '" + m.name + "'");
    if (!row->IsNull(1)) return Conflict("certificate " + serial + " is already revoked");
    HOPS_RETURN_IF_ERROR(RevokeWhere(t, ctx, "serial = ?", {Lower(serial)}, reason));
    return platform::RecordMutation(t, ctx);
  });
}

Result<std::string> CertService::CrlPem() {
  // One builder at a time, so that an older list never replaces a newer one.
  std::lock_guard lock(crl_mu_);
  std::string key;
  std::vector<platform::RevokedCert> revoked;
  bool rebuild = false;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT COUNT(*), MAX(revoked_at) FROM certificates WHERE "
                                               "revoked_at IS NOT NULL"));
    key = std::to_string(row->Int(0)) + "/" + std::to_string(row->Int(1));
    rebuild = key != crl_key_ || Now() - crl_built_us_ >= int64_t{12} * 3600 * 1000000;
    if (!rebuild) return Status::Ok();
    revoked.clear();
    // Expired certificates stay listed: a CRL is small next to what it protects.
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query("SELECT serial, revoked_at, revoke_reason FROM certificates WHERE "
                                             "revoked_at IS NOT NULL"));
    for (const auto& r : rows) revoked.push_back({r.Str(0), r.Int(1), static_cast<int>(r.Int(2))});
    return Status::Ok();
  }));
  if (!rebuild) return crl_pem_;
  // CRL numbers only grow: the build time in microseconds, past the previous one.
  const int64_t number = std::max(Now(), crl_number_ + 1);
  HOPS_ASSIGN_OR_RETURN(crl_pem_, ca_.Crl(revoked, number));
  crl_number_ = number;
  crl_key_ = key;
  crl_built_us_ = Now();
  return crl_pem_;
}

}  // namespace hops::services
