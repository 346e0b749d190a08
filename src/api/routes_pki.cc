// PKI routes: the platform CA and CRL (public), and the certificates of
// project members and services.
#include <boost/json.hpp>

#include "api/app.h"
#include "core/crypto.h"

namespace hops::api {
using platform::Scope;
namespace {

Reply Pem(std::string text) {
  Reply rep;
  rep.raw = std::move(text);
  rep.content_type = "application/x-pem-file";
  return rep;
}

boost::json::object CertJson(const services::CertRecord& c) {
  boost::json::object o{{"serial", c.serial},
                        {"kind", c.kind},
                        {"project", c.project},
                        {"username", c.username},
                        {"subject", c.subject},
                        {"fingerprint_sha256", c.fingerprint},
                        {"purpose", c.purpose},
                        {"not_before", FormatRfc3339(c.not_before)},
                        {"not_after", FormatRfc3339(c.not_after)},
                        {"created_at", FormatRfc3339(c.created_at)},
                        {"created_by", c.created_by},
                        {"certificate_pem", c.cert_pem}};
  o["renewed_from"] = c.renewed_from.empty() ? boost::json::value(nullptr) : boost::json::value(c.renewed_from);
  o["revoked_at"] = c.revoked_at ? boost::json::value(FormatRfc3339(*c.revoked_at)) : boost::json::value(nullptr);
  o["status"] = c.revoked_at ? "REVOKED" : c.not_after <= Clock::Real()->NowMicros() ? "EXPIRED" : "ACTIVE";
  return o;
}

boost::json::object BundleJson(const services::CertBundle& b) {
  boost::json::object o = CertJson(b.cert);
  o["key_pem"] = b.key_pem;
  o["chain_pem"] = b.chain_pem;
  if (!b.pkcs12.empty()) o["pkcs12_base64"] = crypto::Base64(b.pkcs12);
  return o;
}

Result<int> ParseReason(const std::optional<std::string>& r) {
  if (!r || *r == "cessation_of_operation") return services::kReasonCessationOfOperation;
  if (*r == "key_compromise") return services::kReasonKeyCompromise;
  if (*r == "superseded") return services::kReasonSuperseded;
  if (*r == "affiliation_changed") return services::kReasonAffiliationChanged;
  return InvalidArgument("reason must be key_compromise, superseded, affiliation_changed or cessation_of_operation");
}

}  // namespace

void RegisterPkiRoutes(Router& r, Services& s) {
  r.Add({"GET", "/pki/ca.pem", "pki.ca", Access::kPublic, std::nullopt, 200,
         [&s](Call&) -> Result<Reply> { return Pem(s.certs.ca().root_pem()); }});
  r.Add({"GET", "/pki/chain.pem", "pki.chain", Access::kPublic, std::nullopt, 200,
         [&s](Call&) -> Result<Reply> { return Pem(s.certs.ca().chain_pem()); }});
  r.Add({"GET", "/pki/crl.pem", "pki.crl", Access::kPublic, std::nullopt, 200, [&s](Call&) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto crl, s.certs.CrlPem());
           Reply rep = Pem(std::move(crl));
           rep.content_type = "application/pkix-crl";
           return rep;
         }});

  const auto P = Scope::kProject;
  r.Add({"GET", "/api/v1/projects/{name}/certificates", "cert.list", Access::kAuthenticated, P, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(bool all, c.QueryBool("include_revoked", false));
           HOPS_ASSIGN_OR_RETURN(auto certs, s.certs.List(c.ctx, c.Param("name"), all));
           boost::json::array items;
           for (auto& x : certs) items.push_back(CertJson(x));
           return Reply::Json(boost::json::object{{"items", std::move(items)}});
         }}, {"include_revoked"});
  r.Add({"GET", "/api/v1/projects/{name}/certificates/me", "cert.get", Access::kAuthenticated, P, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto cert, s.certs.Mine(c.ctx, c.Param("name")));
           return Reply::Json(CertJson(cert));
         }});
  r.Add({"POST", "/api/v1/projects/{name}/certificates/me/bundle", "cert.download", Access::kAuthenticated, P, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"password"}));
           HOPS_ASSIGN_OR_RETURN(auto password, body.String("password"));
           HOPS_ASSIGN_OR_RETURN(auto b, s.certs.Bundle(c.ctx, c.Param("name"), password));
           return Reply::Json(BundleJson(b));
         }});
  r.Add({"POST", "/api/v1/projects/{name}/certificates/me/rotate", "cert.rotate", Access::kAuthenticated, P, 201,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body(/*allow_empty=*/true));
           HOPS_RETURN_IF_ERROR(body.AllowOnly({}));
           HOPS_ASSIGN_OR_RETURN(auto cert, s.certs.Rotate(c.ctx, c.Param("name")));
           return Reply::Json(CertJson(cert), 201);
         }});
  r.Add({"POST", "/api/v1/projects/{name}/certificates/service", "cert.issue_service", Access::kAuthenticated,
         Scope::kJob, 201, [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body(/*allow_empty=*/true));
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"hours", "purpose", "username"}));
           HOPS_ASSIGN_OR_RETURN(auto hours, body.OptInt("hours"));
           HOPS_ASSIGN_OR_RETURN(auto purpose, body.OptString("purpose"));
           HOPS_ASSIGN_OR_RETURN(auto user, body.OptString("username"));
           HOPS_ASSIGN_OR_RETURN(auto b, s.certs.IssueService(c.ctx, c.Param("name"), user.value_or(""), hours,
                                                               purpose.value_or("")));
           return Reply::Json(BundleJson(b), 201);
         }});
  r.Add({"POST", "/api/v1/projects/{name}/certificates/{serial}/renew", "cert.renew", Access::kAuthenticated,
         Scope::kJob, 201, [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body(/*allow_empty=*/true));
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"hours"}));
           HOPS_ASSIGN_OR_RETURN(auto hours, body.OptInt("hours"));
           HOPS_ASSIGN_OR_RETURN(auto b, s.certs.Renew(c.ctx, c.Param("name"), c.Param("serial"), hours));
           return Reply::Json(BundleJson(b), 201);
         }});
  r.Add({"DELETE", "/api/v1/projects/{name}/certificates/{serial}", "cert.revoke", Access::kAuthenticated, P, 204,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(int reason, ParseReason(c.Query("reason")));
           HOPS_RETURN_IF_ERROR(s.certs.Revoke(c.ctx, c.Param("name"), c.Param("serial"), reason));
           return Reply::NoContent();
         }}, {"reason"});
}

}  // namespace hops::api
