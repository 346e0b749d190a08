// Project routes: projects, members and quotas.
#include <boost/json.hpp>

#include "api/app.h"
#include "api/views.h"

namespace hops::api {
using platform::Scope;

void RegisterProjectRoutes(Router& r, Services& s) {
  const auto P = Scope::kProject;
  r.Add({"GET", "/api/v1/projects", "project.list", Access::kAuthenticated, P, 200, [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto page, c.Page());
           HOPS_ASSIGN_OR_RETURN(auto res, s.projects.List(c.ctx, page));
           boost::json::array items;
           for (auto& p : res.items) items.push_back(ProjectJson(p));
           return Reply::Json(PageJson(std::move(items), res.next_page_token));
         }}, {"limit", "page_token"});
  r.Add({"POST", "/api/v1/projects", "project.create", Access::kAuthenticated, P, 201,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"name", "description"}));
           HOPS_ASSIGN_OR_RETURN(auto name, body.String("name"));
           HOPS_ASSIGN_OR_RETURN(auto desc, body.OptString("description"));
           HOPS_ASSIGN_OR_RETURN(auto p, s.projects.Create(c.ctx, name, desc.value_or("")));
           return Reply::Json(ProjectJson(p), 201);
         }});
  r.Add({"GET", "/api/v1/projects/{name}", "project.get", Access::kAuthenticated, P, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto p, s.projects.Get(c.ctx, c.Param("name")));
           return Reply::Json(ProjectJson(p));
         }});
  r.Add({"PATCH", "/api/v1/projects/{name}", "project.update", Access::kAuthenticated, P, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"description"}));
           HOPS_ASSIGN_OR_RETURN(auto desc, body.String("description"));
           HOPS_ASSIGN_OR_RETURN(auto p, s.projects.Update(c.ctx, c.Param("name"), desc));
           return Reply::Json(ProjectJson(p));
         }});
  r.Add({"DELETE", "/api/v1/projects/{name}", "project.delete", Access::kAuthenticated, P, 204,
         [&s](Call& c) -> Result<Reply> {
           HOPS_RETURN_IF_ERROR(s.projects.Delete(c.ctx, c.Param("name")));
           return Reply::NoContent();
         }});
  r.Add({"GET", "/api/v1/projects/{name}/members", "member.list", Access::kAuthenticated, P, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto ms, s.projects.ListMembers(c.ctx, c.Param("name")));
           boost::json::array items;
           for (auto& m : ms) items.push_back(MemberJson(m));
           return Reply::Json(PageJson(std::move(items), ""));
         }});
  r.Add({"POST", "/api/v1/projects/{name}/members", "member.add", Access::kAuthenticated, P, 201,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"username", "role"}));
           HOPS_ASSIGN_OR_RETURN(auto username, body.String("username"));
           HOPS_ASSIGN_OR_RETURN(auto role, body.OptString("role"));
           HOPS_ASSIGN_OR_RETURN(auto m, s.projects.AddMember(c.ctx, c.Param("name"), username,
                                                              role.value_or(services::kDataScientist)));
           return Reply::Json(MemberJson(m), 201);
         }});
  r.Add({"PATCH", "/api/v1/projects/{name}/members/{username}", "member.update", Access::kAuthenticated, P, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"role"}));
           HOPS_ASSIGN_OR_RETURN(auto role, body.String("role"));
           HOPS_ASSIGN_OR_RETURN(auto m, s.projects.UpdateMember(c.ctx, c.Param("name"), c.Param("username"), role));
           return Reply::Json(MemberJson(m));
         }});
  r.Add({"DELETE", "/api/v1/projects/{name}/members/{username}", "member.remove", Access::kAuthenticated, P, 204,
         [&s](Call& c) -> Result<Reply> {
           HOPS_RETURN_IF_ERROR(s.projects.RemoveMember(c.ctx, c.Param("name"), c.Param("username")));
           return Reply::NoContent();
         }});
  r.Add({"GET", "/api/v1/projects/{name}/quotas", "quota.get", Access::kAuthenticated, P, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto q, s.projects.GetQuotas(c.ctx, c.Param("name")));
           return Reply::Json(QuotaJson(q));
         }});
  r.Add({"PUT", "/api/v1/projects/{name}/quotas", "quota.set", Access::kAdmin, Scope::kAdmin, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"storage_bytes", "namespace_entries", "cpu_hours", "gpu_hours"}));
           services::QuotaUpdate up;
           HOPS_ASSIGN_OR_RETURN(up.storage_bytes, body.OptInt("storage_bytes"));
           HOPS_ASSIGN_OR_RETURN(up.namespace_entries, body.OptInt("namespace_entries"));
           HOPS_ASSIGN_OR_RETURN(up.cpu_hours, body.OptInt("cpu_hours"));
           HOPS_ASSIGN_OR_RETURN(up.gpu_hours, body.OptInt("gpu_hours"));
           HOPS_ASSIGN_OR_RETURN(auto q, s.projects.SetQuotas(c.ctx, c.Param("name"), up));
           return Reply::Json(QuotaJson(q));
         }});
}

}  // namespace hops::api
