// The hopsd application: opens the store, builds the services and the route
// table, and turns each HTTP request into one authenticated, authorized,
// audited service call. Knows nothing of sockets (see net/http_server).
#pragma once

#include <memory>
#include <string>

#include "api/metrics.h"
#include "api/router.h"
#include "core/config.h"
#include "meta/store.h"
#include "net/http_types.h"
#include "platform/audit.h"
#include "platform/auth.h"
#include "services/audit.h"
#include "services/projects.h"
#include "services/users.h"

namespace hops::api {

// What route handlers may use.
struct Services {
  meta::Store& store;
  services::UserService& users;
  services::ProjectService& projects;
  services::AuditService& audit;
  Metrics& metrics;
};

class App {
 public:
  // Opens the store (migrating it) and bootstraps the admin account. When no
  // admin password is configured one is generated and returned once.
  static Result<std::unique_ptr<App>> Create(const Config& config, std::string* generated_admin_password);
  ~App();

  net::HttpResponse Handle(net::HttpRequest& request);
  // Audits and counts a request the HTTP server refused before Handle.
  void RecordRejected(const net::HttpRequest& request, int status, const std::string& code);
  // Writes queued audit records; call after the server has drained.
  void Shutdown();

  const Router& router() const { return router_; }
  meta::Store& store() { return *store_; }
  platform::AuditWriter& audit() { return *audit_; }

 private:
  App() = default;
  // Routes and runs one request; sets the route label for metrics and, on an
  // error answer, the error code for the audit record.
  net::HttpResponse Dispatch(net::HttpRequest& req, platform::Context& ctx, std::string* route_label,
                             std::string* outcome);

  std::unique_ptr<meta::Store> store_;
  std::unique_ptr<platform::Authenticator> auth_;
  std::unique_ptr<platform::AuditWriter> audit_;
  std::unique_ptr<services::UserService> users_;
  std::unique_ptr<services::ProjectService> projects_;
  std::unique_ptr<services::AuditService> audit_service_;
  std::unique_ptr<Services> services_;
  Metrics metrics_;
  Router router_;
};

// Route registration, one function per resource family.
void RegisterSystemRoutes(Router& r, Services& s);
void RegisterAuthRoutes(Router& r, Services& s);
void RegisterUserRoutes(Router& r, Services& s);
void RegisterProjectRoutes(Router& r, Services& s);
void RegisterAdminRoutes(Router& r, Services& s);

// The embedded OpenAPI document (src/api/openapi.json).
const std::string& OpenApiDocument();

}  // namespace hops::api
