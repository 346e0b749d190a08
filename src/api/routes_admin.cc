// Admin routes: the audit log and its verification, session signing keys.
#include <boost/json.hpp>

#include "api/app.h"
#include "api/views.h"
#include "core/crypto.h"

namespace hops::api {

void RegisterAdminRoutes(Router& r, Services& s) {
  r.Add({"GET", "/api/v1/admin/audit", "audit.query", Access::kAdmin, platform::Scope::kAdmin, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto page, c.Page());
           platform::AuditFilter f;
           f.limit = page.limit + 1;  // one more tells whether another page exists
           if (!page.after.empty()) {
             char* end = nullptr;
             long long seq = std::strtoll(page.after.c_str(), &end, 10);
             if (*end != '\0' || seq <= 0) return BadRequest("page_token is not valid for the audit log");
             f.before_seq = seq;
           }
           for (auto [name, slot] : {std::pair{"from", &f.from_us}, std::pair{"to", &f.to_us}}) {
             if (auto v = c.Query(name)) {
               int64_t us;
               if (!ParseRfc3339(*v, &us))
                 return BadRequest(std::string(name) + " must be an RFC 3339 time like 2026-11-24T18:00:00Z");
               *slot = us;
             }
           }
           f.user = c.Query("user").value_or("");
           f.project = c.Query("project").value_or("");
           f.action = c.Query("action").value_or("");
           f.outcome = c.Query("outcome").value_or("");
           HOPS_ASSIGN_OR_RETURN(auto recs, s.audit.Query(c.ctx, f));
           std::string next;
           if (static_cast<int>(recs.size()) > page.limit) {
             recs.pop_back();
             next = services::EncodeCursor(std::to_string(recs.back().seq));
           }
           boost::json::array items;
           for (auto& a : recs) items.push_back(AuditJson(a));
           return Reply::Json(PageJson(std::move(items), next));
         }}, {"from", "to", "user", "project", "action", "outcome", "limit", "page_token"});
  r.Add({"POST", "/api/v1/admin/signing-keys/rotate", "auth.rotate_signing_key", Access::kAdmin,
         platform::Scope::kAdmin, 200, [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body(/*allow_empty=*/true));
           HOPS_RETURN_IF_ERROR(body.AllowOnly({}));
           HOPS_ASSIGN_OR_RETURN(auto kid, s.users.RotateSigningKey(c.ctx));
           return Reply::Json(boost::json::object{{"kid", kid}});
         }});
  r.Add({"GET", "/api/v1/admin/audit/verify", "audit.verify", Access::kAdmin, platform::Scope::kAdmin, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto v, s.audit.Verify(c.ctx));
           boost::json::object o{{"ok", v.ok}, {"records", v.records}, {"message", v.message}};
           if (v.first_bad_seq) o["first_bad_seq"] = *v.first_bad_seq;
           else o["first_bad_seq"] = nullptr;
           return Reply::Json(o);
         }});
}

}  // namespace hops::api
