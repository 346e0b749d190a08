// Request dispatch: route match, authentication, scope and role gates,
// handler, error mapping, audit and metrics.
#include "api/app.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>

#include "core/log.h"

namespace hops::api {
namespace {

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Metric labels come from a fixed set, so made-up methods cannot add series.
const std::string& MethodLabel(const std::string& method) {
  static const std::string kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  static const std::string kOther = "OTHER";
  for (const auto& m : kKnown)
    if (m == method) return m;
  return kOther;
}

net::HttpResponse ErrorResponse(const Status& st, const std::string& request_id) {
  net::HttpResponse r;
  r.status = HttpStatusFor(st.code());
  r.body = net::ErrorBody(CodeName(st.code()), st.message(), request_id);
  if (st.retry_after_s() > 0) r.headers.emplace_back("Retry-After", std::to_string(st.retry_after_s()));
  return r;
}

// A project certificate acts inside its project only: project routes (the
// services check that the project is the certificate's), WebHDFS (HopsFS
// checks the paths), the caller's own account and the project list.
Status CertificateReach(const Route& route, const platform::Principal& who) {
  const std::string& p = route.pattern;
  if (route.method == "GET" && (p == "/api/v1/users/me" || p == "/api/v1/projects" || p == "/api/v1/openapi.json"))
    return Status::Ok();
  if (p.rfind("/api/v1/projects/{name}", 0) == 0 || p.rfind("/webhdfs/v1", 0) == 0) return Status::Ok();
  return PermissionDenied("a certificate of project '" + who.only_project + "' acts inside that project only; " +
                          route.method + " " + p + " needs a password login or an API key");
}

}  // namespace

Result<std::unique_ptr<App>> App::Create(const Config& config, std::string* generated_admin_password) {
  std::unique_ptr<App> app(new App());
  std::string url = config.Str("store");
  if (url.empty()) url = "sqlite://" + (std::filesystem::path(config.Str("data_dir")) / "meta.db").string();
  HOPS_ASSIGN_OR_RETURN(app->store_, meta::Store::Open(url, config.Str("store_sync")));
  HOPS_ASSIGN_OR_RETURN(std::string server_id, platform::Cluster::ServerId(config.Str("data_dir")));
  app->cluster_ = std::make_unique<platform::Cluster>(*app->store_, Clock::Real(), server_id, config.Str("listen"),
                                                      config.Int("cluster_lease_s"));
  HOPS_RETURN_IF_ERROR(app->cluster_->Start());
  app->auth_ = std::make_unique<platform::Authenticator>(*app->store_, Clock::Real(), config.Int("session_ttl_s"));
  HOPS_RETURN_IF_ERROR(app->auth_->Init());
  app->audit_ = std::make_unique<platform::AuditWriter>(*app->store_, config.Int("audit_flush_ms"),
                                                        static_cast<size_t>(config.Int("audit_queue_max")));
  services::UserSettings us;
  us.allow_registration = config.Bool("allow_registration");
  us.max_failed_logins = static_cast<int>(config.Int("max_failed_logins"));
  us.login_failures_per_address_per_minute = config.Int("login_failures_per_address");
  us.login_failures_per_user_per_minute = config.Int("login_failures_per_user");
  app->users_ = std::make_unique<services::UserService>(*app->store_, *app->auth_, us);
  services::ProjectSettings ps;
  ps.max_projects_per_user = config.Int("max_projects_per_user");
  ps.quota_storage_bytes = config.Int("quota_storage_bytes");
  ps.quota_namespace_entries = config.Int("quota_namespace_entries");
  ps.quota_cpu_hours = config.Int("quota_cpu_hours");
  ps.quota_gpu_hours = config.Int("quota_gpu_hours");
  ps.fs_default_provenance = static_cast<int>(config.Int("fs_default_provenance"));
  app->projects_ = std::make_unique<services::ProjectService>(*app->store_, ps);
  std::string pki_dir = config.Str("pki_dir");
  if (pki_dir.empty()) pki_dir = (std::filesystem::path(config.Str("data_dir")) / "pki").string();
  HOPS_ASSIGN_OR_RETURN(app->ca_, platform::CertificateAuthority::Open(pki_dir, Clock::Real()));
  // Servers sharing the store must share the CA and the key that seals member keys.
  const std::string copy_pki = "copy the PKI directory (root-ca.pem, intermediate-ca.pem and .key, "
                               "key-encryption.key) from a running server of the cluster into " + pki_dir +
                               " and start again";
  HOPS_RETURN_IF_ERROR(app->cluster_->AgreeOn("platform CA fingerprint", app->ca_->root_fingerprint(), copy_pki));
  HOPS_RETURN_IF_ERROR(app->cluster_->AgreeOn("key-encryption key digest", app->ca_->kek_fingerprint(), copy_pki));
  services::CertSettings cs;
  cs.member_days = config.Int("pki_member_cert_days");
  cs.service_max_hours = config.Int("pki_service_cert_max_hours");
  cs.service_default_hours = std::min<int64_t>(cs.service_default_hours, cs.service_max_hours);
  app->certs_ = std::make_unique<services::CertService>(*app->store_, *app->ca_, cs);
  app->users_->set_certs(app->certs_.get());
  app->projects_->set_certs(app->certs_.get());
  std::string blocks_dir = config.Str("fs_blocks_dir");
  if (blocks_dir.empty()) blocks_dir = (std::filesystem::path(config.Str("data_dir")) / "blocks").string();
  if (!config.Str("fs_s3_bucket").empty()) {
    app->remote_blocks_ = true;
    fs::S3Settings s3;
    s3.endpoint = config.Str("fs_s3_endpoint");
    s3.bucket = config.Str("fs_s3_bucket");
    s3.region = config.Str("fs_s3_region");
    s3.prefix = config.Str("fs_s3_prefix");
    s3.access_key = config.Str("fs_s3_access_key");
    s3.secret_key = config.Str("fs_s3_secret_key");
    s3.virtual_hosted = config.Str("fs_s3_addressing") == "virtual";
    s3.part_size = static_cast<uint64_t>(config.Int("fs_s3_part_size"));
    HOPS_ASSIGN_OR_RETURN(app->blocks_, fs::NewS3BlockStore(s3));
  } else {
    HOPS_ASSIGN_OR_RETURN(app->blocks_, fs::NewLocalBlockStore(blocks_dir));
  }
  if (config.Int("fs_fault_capacity_bytes") > 0)
    app->blocks_ = fs::NewCapacityLimitedBlockStore(std::move(app->blocks_),
                                                    static_cast<uint64_t>(config.Int("fs_fault_capacity_bytes")));
  fs::FsSettings fss;
  fss.inline_max = config.Int("fs_inline_max");
  fss.block_size = config.Int("fs_block_size");
  fss.replication = static_cast<int>(config.Int("fs_replication"));
  fss.gc_grace_s = config.Int("fs_gc_grace_s");
  fss.default_provenance = ps.fs_default_provenance;
  fss.server_id = server_id;
  if (fss.inline_max < 0 || fss.inline_max > (1 << 20))
    return InvalidArgument("fs_inline_max must be 0 to 1048576 bytes");
  if (fss.block_size < (1 << 20) || fss.block_size > (int64_t{1} << 32))
    return InvalidArgument("fs_block_size must be 1 MiB to 4 GiB");
  if (fss.replication < 1 || fss.replication > 512) return InvalidArgument("fs_replication must be 1 to 512");
  app->fs_ = std::make_unique<fs::FsService>(*app->store_, *app->blocks_, fss);
  HOPS_RETURN_IF_ERROR(app->fs_->Recover());
  const char* pw = std::getenv("HOPS_ADMIN_PASSWORD");
  HOPS_RETURN_IF_ERROR(app->users_->Bootstrap(pw ? pw : "", generated_admin_password));
  if (config.Bool("reset_admin_password")) {
    if (!pw || !*pw) return InvalidArgument("--reset-admin-password needs the new password in HOPS_ADMIN_PASSWORD");
    HOPS_RETURN_IF_ERROR(app->users_->ResetAdmin(pw));
    log::Warn("hopsd.admin_reset", {{"what", "the admin account was reset by the operator"}});
  }

  app->audit_service_ = std::make_unique<services::AuditService>(*app->store_);
  app->services_.reset(
      new Services{*app->store_, *app->users_, *app->projects_, *app->audit_service_, app->metrics_, *app->fs_,
                   *app->certs_});
  RegisterSystemRoutes(app->router_, *app->services_);
  RegisterAuthRoutes(app->router_, *app->services_);
  RegisterUserRoutes(app->router_, *app->services_);
  RegisterProjectRoutes(app->router_, *app->services_);
  RegisterAdminRoutes(app->router_, *app->services_);
  RegisterFsRoutes(app->router_, *app->services_);
  RegisterWebHdfsRoutes(app->router_, *app->services_);
  RegisterPkiRoutes(app->router_, *app->services_);
  int64_t interval = config.Int("fs_gc_interval_s");
  if (interval > 0) {
    App* raw = app.get();
    app->collector_ = std::thread([raw, interval] { raw->CollectorLoop(interval); });
  }
  return app;
}

App::~App() { Shutdown(); }

void App::CollectorLoop(int64_t interval_s) {
  std::unique_lock lock(collector_mu_);
  for (;;) {
    collector_cv_.wait_for(lock, std::chrono::seconds(interval_s), [&] { return collector_stop_; });
    if (collector_stop_) return;
    lock.unlock();
    // Once per cluster: the holder of the collector lease cleans up after dead
    // servers and collects; the lease outlives two intervals, so a dead holder
    // is replaced within about two intervals.
    auto held = cluster_->HoldLease("fs.collector", 2 * interval_s * 1000000 + cluster_->lease_us());
    if (!held.ok()) {
      log::Warn("fs.gc_lease_failed", {{"error", held.status().ToString()}});
    } else if (*held) {
      auto dead = cluster_->DeadServers();
      if (dead.ok() && !dead->empty()) {
        if (auto st = fs_->CleanUpAfter(*dead); st.ok()) (void)cluster_->Forget(*dead);
        else log::Warn("fs.cleanup_failed", {{"error", st.ToString()}});
      }
      auto rep = fs_->CollectGarbage();
      if (!rep.ok()) log::Warn("fs.gc_failed", {{"error", rep.status().ToString()}});
    }
    lock.lock();
  }
}

void App::Shutdown() {
  {
    std::lock_guard lock(collector_mu_);
    collector_stop_ = true;
  }
  collector_cv_.notify_all();
  if (collector_.joinable()) collector_.join();
  if (audit_) audit_->Stop();
  if (cluster_) cluster_->Stop();
}

namespace {
// Whether the request target's query has the pair `kv` (e.g. "op=open"),
// compared case-insensitively, as WebHDFS op names are.
bool QueryHas(std::string_view target, std::string_view kv) {
  size_t q = target.find('?');
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  for (size_t i = 0; i + kv.size() <= query.size(); ++i) {
    if ((i == 0 || query[i - 1] == '&') &&
        std::equal(kv.begin(), kv.end(), query.begin() + static_cast<std::ptrdiff_t>(i), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }) &&
        (i + kv.size() == query.size() || query[i + kv.size()] == '&'))
      return true;
  }
  return false;
}
}  // namespace

bool App::WantsStream(std::string_view method, std::string_view target) const {
  std::string_view path = target.substr(0, target.find('?'));
  auto has = [&](std::string_view kv) { return QueryHas(target, kv); };
  // Also on data threads: calls that may run long (recursive deletes, copies,
  // fsck, the collector), so they never hold up an HTTP worker's other
  // connections.
  // Downloads too when blocks are remote: reading them may wait on the
  // network (S3), which must not hold up a worker's other connections. From
  // local blocks a download is answered on the worker (a small file from its
  // inline bytes at once; a large one's body is sent by a data thread), which
  // saves two thread hand-offs per read.
  if (path.rfind("/webhdfs/v1", 0) == 0)
    return (method == "PUT" && has("op=create")) || (method == "POST" && has("op=append")) ||
           (method == "DELETE" && has("op=delete")) || (remote_blocks_ && method == "GET" && has("op=open"));
  if (path.rfind("/api/v1/projects/", 0) == 0 && path.find("/datasets/") != std::string_view::npos)
    return method == "PUT" || method == "DELETE" || (method == "POST" && (has("action=append") || has("action=copy"))) ||
           (remote_blocks_ && method == "GET" && has("action=download"));
  if (method == "POST" && (path == "/api/v1/admin/fsck" || path == "/api/v1/admin/fs/gc")) return true;
  return false;
}

net::HttpResponse App::Handle(net::HttpRequest& req) {
  platform::Context ctx;
  ctx.req.start_us = SteadyMicros();
  ctx.req.request_id = req.request_id;
  ctx.req.client = req.client;
  ctx.req.method = req.method;
  std::string route_label = "unmatched";
  std::string outcome = "OK";
  net::HttpResponse resp;
  try {
    resp = Dispatch(req, ctx, &route_label, &outcome);
  } catch (const std::exception& e) {
    log::Error("http.handler_exception", {{"request_id", req.request_id}, {"what", e.what()}});
    Status st = Internal("internal error; the request id is in the server log");
    outcome = CodeName(st.code());
    resp = ErrorResponse(st, req.request_id);
  }
  for (auto [k, v] : {std::pair{"X-Content-Type-Options", "nosniff"}, std::pair{"Cache-Control", "no-store"},
                      std::pair{"X-Frame-Options", "DENY"}, std::pair{"Referrer-Policy", "no-referrer"},
                      std::pair{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"}})
    resp.headers.emplace_back(k, v);
  if (req.tls) resp.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
  int64_t us = SteadyMicros() - ctx.req.start_us;
  metrics_.Observe(MethodLabel(req.method), route_label, resp.status, us);
  // A service records successful mutations in their own transaction; any
  // other outcome (including a commit that failed after recording) is queued.
  if (route_label != "/healthz" && (!ctx.req.recorded || resp.status >= 400)) {
    if (ctx.req.route.empty()) ctx.req.route = route_label;
    audit_->Enqueue(platform::RecordFor(ctx, outcome, resp.status));
  }
  if (ctx.who.api_key_id) audit_->TouchApiKey(ctx.who.api_key_id, Clock::Real()->NowMicros());
  return resp;
}

void App::RecordRejected(const net::HttpRequest& req, int status, const std::string& code) {
  metrics_.Observe(MethodLabel(req.method), "rejected", status, 0);
  platform::Context ctx;
  ctx.req.request_id = req.request_id;
  ctx.req.client = req.client;
  ctx.req.method = req.method;
  ctx.req.route = "rejected";
  ctx.req.action = "http.reject";
  ctx.req.target = req.target;
  audit_->Enqueue(platform::RecordFor(ctx, code, status));
}

net::HttpResponse App::Dispatch(net::HttpRequest& req, platform::Context& ctx, std::string* route_label,
                                std::string* outcome) {
  // A read request authenticates and reads in one snapshot (Store::ReadShared):
  // one BEGIN/COMMIT instead of one per lookup. Not for calls that read whole
  // files (checksums): an open snapshot holds back SQLite's WAL checkpoint.
  const std::string_view target = req.target;
  const bool shared = (req.method == "GET" || req.method == "HEAD") && !QueryHas(target, "action=checksum") &&
                      !QueryHas(target, "op=getfilechecksum");
  if (!shared) return DispatchRoute(req, ctx, route_label, outcome);
  net::HttpResponse resp;
  Status st = store_->ReadShared([&]() -> Status {
    *route_label = "unmatched";  // as for a first attempt, should the store run this again
    *outcome = "OK";
    resp = DispatchRoute(req, ctx, route_label, outcome);
    return Status::Ok();
  });
  if (!st.ok()) {
    *outcome = CodeName(st.code());
    return target.rfind("/webhdfs/", 0) == 0 ? WebHdfsError(st, req.request_id) : ErrorResponse(st, req.request_id);
  }
  return resp;
}

net::HttpResponse App::DispatchRoute(net::HttpRequest& req, platform::Context& ctx, std::string* route_label,
                                     std::string* outcome) {
  // Every error answer goes through here, so the audit record gets its code.
  const Route* matched = nullptr;
  auto fail = [&](const Status& st) {
    *outcome = CodeName(st.code());
    if ((matched && matched->errors == ErrorStyle::kWebHdfs) || (!matched && req.target.rfind("/webhdfs/", 0) == 0))
      return WebHdfsError(st, req.request_id);
    return ErrorResponse(st, req.request_id);
  };
  auto url = boost::urls::parse_origin_form(req.target);
  if (!url) return fail(BadRequest("request target is not a valid URL path"));
  std::vector<std::string> segs;
  for (auto seg : url->segments()) {
    segs.emplace_back(seg);
    if (segs.back().find('/') != std::string::npos || segs.back().find('\0') != std::string::npos)
      return fail(BadRequest("a path segment may not contain an encoded '/' (%2F) or NUL (%00)"));
  }
  if (!segs.empty() && segs.back().empty()) segs.pop_back();  // tolerate one trailing slash
  ctx.req.target = std::string(url->encoded_path()).substr(0, 512);

  Match m = router_.Find(req.method, segs);
  if (!m.route) {
    if (!m.allowed.empty()) {
      std::string allow;
      for (auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
      *outcome = "METHOD_NOT_ALLOWED";
      std::string msg = req.method + " is not allowed here; allowed: " + allow;
      net::HttpResponse r;
      if (req.target.rfind("/webhdfs/", 0) == 0) {
        r = WebHdfsError(BadRequest(msg), req.request_id);
      } else {
        r.body = net::ErrorBody("METHOD_NOT_ALLOWED", msg, req.request_id);
      }
      r.status = 405;
      r.headers.emplace_back("Allow", allow);
      return r;
    }
    return fail(NotFound("no route for " + req.method + " " + ctx.req.target + "; see /api/v1/openapi.json"));
  }
  const Route& route = *m.route;
  matched = &route;
  *route_label = route.pattern;
  ctx.req.route = route.pattern;
  ctx.req.action = route.action;
  ctx.req.success_status = route.success_status;

  if (route.access != Access::kPublic) {
    std::string authz(req.Header("authorization"));
    if (authz.empty() && route.errors == ErrorStyle::kWebHdfs) {
      // Stock WebHDFS clients carry credentials as ?delegation=<token or API key>.
      for (auto p : url->params())
        if (p.key == "delegation" && p.has_value && !p.value.empty())
          authz = (std::string(p.value).rfind("hops_", 0) == 0 ? "ApiKey " : "Bearer ") + std::string(p.value);
    }
    // Credentials in a header win; otherwise a verified client certificate (mutual TLS).
    auto who = authz.empty() && !req.peer_cert_serial.empty() ? auth_->AuthenticateCertificate(req.peer_cert_serial, req.peer_cert_fingerprint)
                                                               : auth_->Authenticate(authz);
    if (!who.ok()) {
      auto r = fail(who.status());
      r.headers.emplace_back("WWW-Authenticate", "Bearer, ApiKey");
      return r;
    }
    ctx.who = std::move(who).value();
    if (ctx.who.method == platform::AuthMethod::kCertificate) {
      if (auto st = CertificateReach(route, ctx.who); !st.ok()) return fail(st);
    }
    if (route.scope && !ctx.who.HasScope(*route.scope))
      return fail(PermissionDenied(std::string("this API key lacks the ") + platform::ScopeName(*route.scope) +
                                            " scope that " + req.method + " " + route.pattern + " needs"));
    if (route.access == Access::kAdmin && !ctx.who.ActsAsAdmin())
      return fail(PermissionDenied("this needs the admin role"));
  }

  Call call{req, ctx, std::move(m.params), {}};
  for (auto p : url->params()) {
    // WebHDFS ignores parameters it does not know, as Hadoop does (clients send extras).
    if (route.errors != ErrorStyle::kWebHdfs && std::find(m.query->begin(), m.query->end(), p.key) == m.query->end()) {
      std::string allowed;
      for (const auto& q : *m.query) allowed += (allowed.empty() ? "" : ", ") + q;
      return fail(BadRequest("unknown query parameter '" + std::string(p.key).substr(0, 64) + "'" +
                                      (allowed.empty() ? "; this route takes none" : "; allowed: " + allowed)));
    }
    call.query.emplace_back(p.key, p.has_value ? p.value : "");
  }
  Result<Reply> reply = route.handler(call);
  if (!reply.ok()) return fail(reply.status());
  net::HttpResponse resp;
  resp.status = reply->status;
  resp.content_type = reply->content_type;
  resp.body = reply->raw ? *reply->raw : boost::json::serialize(reply->json);
  resp.headers = std::move(reply->headers);
  resp.stream = std::move(reply->stream);
  resp.stream_length = reply->stream_length;
  return resp;
}

}  // namespace hops::api
