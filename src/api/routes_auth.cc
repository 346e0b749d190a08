// Authentication routes: login, logout, self-registration.
#include <boost/json.hpp>

#include "api/app.h"
#include "api/views.h"
#include "core/clock.h"

namespace hops::api {

void RegisterAuthRoutes(Router& r, Services& s) {
  r.Add({"POST", "/api/v1/auth/login", "auth.login", Access::kPublic, std::nullopt, 200,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"username", "password"}));
           HOPS_ASSIGN_OR_RETURN(auto username, body.String("username"));
           HOPS_ASSIGN_OR_RETURN(auto password, body.String("password"));
           HOPS_ASSIGN_OR_RETURN(auto res, s.users.Login(c.ctx, username, password));
           return Reply::Json(boost::json::object{{"token", res.token.token},
                                                  {"expires_at", FormatRfc3339(res.token.expires_at_us)},
                                                  {"user", UserJson(res.user)}});
         }});
  r.Add({"POST", "/api/v1/auth/logout", "auth.logout", Access::kAuthenticated, std::nullopt, 204,
         [&s](Call& c) -> Result<Reply> {
           HOPS_RETURN_IF_ERROR(s.users.Logout(c.ctx));
           return Reply::NoContent();
         }});
  r.Add({"POST", "/api/v1/auth/register", "auth.register", Access::kPublic, std::nullopt, 201,
         [&s](Call& c) -> Result<Reply> {
           HOPS_ASSIGN_OR_RETURN(auto body, c.Body());
           HOPS_RETURN_IF_ERROR(body.AllowOnly({"username", "password", "email"}));
           HOPS_ASSIGN_OR_RETURN(auto username, body.String("username"));
           HOPS_ASSIGN_OR_RETURN(auto password, body.String("password"));
           HOPS_ASSIGN_OR_RETURN(auto email, body.String("email"));
           HOPS_ASSIGN_OR_RETURN(auto user, s.users.Register(c.ctx, username, password, email));
           return Reply::Json(UserJson(user), 201);
         }});
}

}  // namespace hops::api
