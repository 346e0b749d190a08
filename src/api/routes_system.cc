// System routes: health, Prometheus metrics, the OpenAPI document.
#include <boost/json.hpp>

#include "api/app.h"

namespace hops::api {

void RegisterSystemRoutes(Router& r, Services& s) {
  r.Add({"GET", "/healthz", "system.health", Access::kPublic, std::nullopt, 200, [](Call&) -> Result<Reply> {
           return Reply::Json(boost::json::object{{"status", "ok"}});
         }});
  r.Add({"GET", "/metrics", "system.metrics", Access::kAdmin, platform::Scope::kAdmin, 200,
         [&s](Call&) -> Result<Reply> {
           Reply rep;
           rep.raw = s.metrics.Render(s.store.stats());
           rep.content_type = "text/plain; version=0.0.4";
           return rep;
         }});
  r.Add({"GET", "/api/v1/openapi.json", "system.openapi", Access::kAuthenticated, std::nullopt, 200,
         [](Call&) -> Result<Reply> {
           Reply rep;
           rep.raw = OpenApiDocument();
           return rep;
         }});
}

}  // namespace hops::api
