// User routes: the caller's account, password, API keys; admin user management.
#include <boost/json.hpp>

#include "api/app.h"
#include "api/views.h"

namespace hops::api {
using platform::Scope;

void RegisterUserRoutes(Router& r, Services& s) {
  r.Add({"GET", "/api/v1/users/me", "user.me", Access::kAuthenticated, std::nullopt, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto u, s.users.Me(c.ctx));
           auto o = UserJson(u);
           boost::json::array scopes;
           for (auto& n : platform::ScopeNames(c.ctx.who.scopes)) scopes.emplace_back(n);
           o["auth"] = platform::AuthMethodName(c.ctx.who.method);
           o["scopes"] = scopes;
           return Reply::Json(o);
         }});
  r.Add({"PUT", "/api/v1/users/me/password", "user.change_password", Access::kAuthenticated, std::nullopt, 204,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"current_password", "new_password"}));
           HOPS_ASSIGN_OR_RETURN(auto cur, body.String("current_password"));
           HOPS_ASSIGN_OR_RETURN(auto next, body.String("new_password"));
           HOPS_RETURN_IF_ERROR(s.users.ChangePassword(c.ctx, cur, next));
           return Reply::NoContent();
         }});
  r.Add({"GET", "/api/v1/users/me/apikeys", "apikey.list", Access::kAuthenticated, std::nullopt, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto keys, s.users.ListApiKeys(c.ctx));
           boost::json::array items;
           for (auto& k : keys) items.push_back(ApiKeyJson(k));
           return Reply::Json(PageJson(std::move(items), ""));
         }});
  r.Add({"POST", "/api/v1/users/me/apikeys", "apikey.create", Access::kAuthenticated, std::nullopt, 201,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"name", "scopes"}));
           HOPS_ASSIGN_OR_RETURN(auto name, body.String("name"));
           HOPS_ASSIGN_OR_RETURN(auto scopes, body.StringArray("scopes"));
           HOPS_ASSIGN_OR_RETURN(auto key, s.users.CreateApiKey(c.ctx, name, scopes));
           return Reply::Json(ApiKeyJson(key), 201);
         }});
  r.Add({"DELETE", "/api/v1/users/me/apikeys/{name}", "apikey.revoke", Access::kAuthenticated, std::nullopt, 204,
         [&s](Call& c) -> Result<Reply> {
           HOPS_RETURN_IF_ERROR(s.users.RevokeApiKey(c.ctx, c.Param("name")));
           return Reply::NoContent();
         }});
  r.Add({"GET", "/api/v1/users", "user.list", Access::kAdmin, Scope::kAdmin, 200, [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto page, c.Page());
           HOPS_ASSIGN_OR_RETURN(auto res, s.users.List(c.ctx, page));
           boost::json::array items;
           for (auto& u : res.items) items.push_back(UserJson(u));
           return Reply::Json(PageJson(std::move(items), res.next_page_token));
         }}, {"limit", "page_token"});
  r.Add({"POST", "/api/v1/users", "user.create", Access::kAdmin, Scope::kAdmin, 201, [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"username", "password", "email", "role"}));
           HOPS_ASSIGN_OR_RETURN(auto username, body.String("username"));
           HOPS_ASSIGN_OR_RETURN(auto password, body.String("password"));
           HOPS_ASSIGN_OR_RETURN(auto email, body.String("email"));
           HOPS_ASSIGN_OR_RETURN(auto role, body.OptString("role"));
           HOPS_ASSIGN_OR_RETURN(auto u, s.users.Create(c.ctx, username, password, email, role.value_or("USER")));
           return Reply::Json(UserJson(u), 201);
         }});
  r.Add({"GET", "/api/v1/users/{username}", "user.get", Access::kAdmin, Scope::kAdmin, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto u, s.users.Get(c.ctx, c.Param("username")));
           auto o = UserJson(u);
           o["failed_logins"] = u.failed_logins;
           return Reply::Json(o);
         }});
  r.Add({"PATCH", "/api/v1/users/{username}", "user.update", Access::kAdmin, Scope::kAdmin, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"status", "role", "email"}));
           services::UserUpdate up;
           HOPS_ASSIGN_OR_RETURN(up.status, body.OptString("status"));
           HOPS_ASSIGN_OR_RETURN(up.role, body.OptString("role"));
           HOPS_ASSIGN_OR_RETURN(up.email, body.OptString("email"));
           HOPS_ASSIGN_OR_RETURN(auto u, s.users.Update(c.ctx, c.Param("username"), up));
           return Reply::Json(UserJson(u));
         }});
}

}  // namespace hops::api
