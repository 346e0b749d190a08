// The hopsd application: opens the store, builds the services and the route
// table, and turns each HTTP request into one authenticated, authorized,
// audited service call. Knows nothing of sockets (see net/http_server).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "api/metrics.h"
#include "api/router.h"
#include "core/config.h"
#include "fs/fs.h"
#include "meta/store.h"
#include "net/http_types.h"
#include "platform/audit.h"
#include "platform/auth.h"
#include "platform/cluster.h"
#include "services/audit.h"
#include "services/certs.h"
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
  fs::FsService& fs;
  services::CertService& certs;
};

class App {
 public:
  // Opens the store (migrating it) and bootstraps the admin account. When no
  // admin password is configured one is generated and returned once.
  static Result<std::unique_ptr<App>> Create(const Config& config, std::string* generated_admin_password);
  ~App();

  net::HttpResponse Handle(net::HttpRequest& request);
  // Whether a request is handled on a data thread: uploads (with a body
  // reader instead of a buffered body), long-running calls, and downloads
  // when blocks live in a remote block store. Large downloads from local
  // blocks are answered on the worker with a streamed body (Reply::stream).
  bool WantsStream(std::string_view method, std::string_view target) const;
  // Audits and counts a request the HTTP server refused before Handle.
  void RecordRejected(const net::HttpRequest& request, int status, const std::string& code);
  // Writes queued audit records; call after the server has drained.
  void Shutdown();

  const Router& router() const { return router_; }
  meta::Store& store() { return *store_; }
  const platform::CertificateAuthority& ca() const { return *ca_; }
  // Records the bound address in this server's cluster row.
  void SetAddress(const std::string& address) { (void)cluster_->SetAddress(address); }
  platform::AuditWriter& audit() { return *audit_; }

 private:
  App() = default;
  // Routes and runs one request; sets the route label for metrics and, on an
  // error answer, the error code for the audit record.
  net::HttpResponse Dispatch(net::HttpRequest& req, platform::Context& ctx, std::string* route_label,
                             std::string* outcome);
  net::HttpResponse DispatchRoute(net::HttpRequest& req, platform::Context& ctx, std::string* route_label,
                                  std::string* outcome);

  std::unique_ptr<meta::Store> store_;
  std::unique_ptr<platform::Authenticator> auth_;
  std::unique_ptr<platform::AuditWriter> audit_;
  std::unique_ptr<platform::Cluster> cluster_;
  std::unique_ptr<platform::CertificateAuthority> ca_;
  std::unique_ptr<services::CertService> certs_;
  std::unique_ptr<services::UserService> users_;
  std::unique_ptr<services::ProjectService> projects_;
  std::unique_ptr<services::AuditService> audit_service_;
  std::unique_ptr<fs::BlockStore> blocks_;
  std::unique_ptr<fs::FsService> fs_;
  // The background collector: deleted blocks, orphans, detached subtrees.
  void CollectorLoop(int64_t interval_s);
  std::thread collector_;
  std::mutex collector_mu_;
  std::condition_variable collector_cv_;
  bool collector_stop_ = false;
  bool remote_blocks_ = false;  // blocks in S3: reads may wait on the network
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
void RegisterFsRoutes(Router& r, Services& s);
void RegisterWebHdfsRoutes(Router& r, Services& s);
void RegisterPkiRoutes(Router& r, Services& s);
// The request body as a source of bytes (streamed or buffered), for writes.
fs::Source SourceOf(net::HttpRequest& http);
// A file's bytes as a reply: in memory when small, streamed when large.
Result<Reply> ReadReply(fs::FsService& fs, fs::ReadPlan plan, int status);
// A WebHDFS RemoteException answer for a failed WebHDFS call.
net::HttpResponse WebHdfsError(const Status& st, const std::string& request_id);

// The embedded OpenAPI document (src/api/openapi.json).
const std::string& OpenApiDocument();

}  // namespace hops::api
