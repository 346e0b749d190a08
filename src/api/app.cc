// Request dispatch: route match, authentication, scope and role gates,
// handler, error mapping, audit and metrics.
#include "api/app.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

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

}  // namespace

Result<std::unique_ptr<App>> App::Create(const Config& config, std::string* generated_admin_password) {
  std::unique_ptr<App> app(new App());
  std::string url = config.Str("store");
  if (url.empty()) url = "sqlite://" + (std::filesystem::path(config.Str("data_dir")) / "meta.db").string();
  HOPS_ASSIGN_OR_RETURN(app->store_, meta::Store::Open(url, config.Str("store_sync")));
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
  app->projects_ = std::make_unique<services::ProjectService>(*app->store_, ps);
  const char* pw = std::getenv("HOPS_ADMIN_PASSWORD");
  HOPS_RETURN_IF_ERROR(app->users_->Bootstrap(pw ? pw : "", generated_admin_password));
  if (config.Bool("reset_admin_password")) {
    if (!pw || !*pw) return InvalidArgument("--reset-admin-password needs the new password in HOPS_ADMIN_PASSWORD");
    HOPS_RETURN_IF_ERROR(app->users_->ResetAdmin(pw));
    log::Warn("hopsd.admin_reset", {{"what", "the admin account was reset by the operator"}});
  }

  app->audit_service_ = std::make_unique<services::AuditService>(*app->store_);
  app->services_.reset(new Services{*app->store_, *app->users_, *app->projects_, *app->audit_service_, app->metrics_});
  RegisterSystemRoutes(app->router_, *app->services_);
  RegisterAuthRoutes(app->router_, *app->services_);
  RegisterUserRoutes(app->router_, *app->services_);
  RegisterProjectRoutes(app->router_, *app->services_);
  RegisterAdminRoutes(app->router_, *app->services_);
  return app;
}

App::~App() { Shutdown(); }

void App::Shutdown() {
  if (audit_) audit_->Stop();
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
                      std::pair{"X-Frame-Options", "DENY"}})
    resp.headers.emplace_back(k, v);
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
  // Every error answer goes through here, so the audit record gets its code.
  auto fail = [&](const Status& st) {
    *outcome = CodeName(st.code());
    return ErrorResponse(st, req.request_id);
  };
  auto url = boost::urls::parse_origin_form(req.target);
  if (!url) return fail(BadRequest("request target is not a valid URL path"));
  std::vector<std::string> segs;
  for (auto seg : url->segments()) segs.emplace_back(seg);
  if (!segs.empty() && segs.back().empty()) segs.pop_back();  // tolerate one trailing slash
  ctx.req.target = std::string(url->encoded_path()).substr(0, 512);

  Match m = router_.Find(req.method, segs);
  if (!m.route) {
    if (!m.allowed.empty()) {
      std::string allow;
      for (auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
      *outcome = "METHOD_NOT_ALLOWED";
      net::HttpResponse r;
      r.status = 405;
      r.body = net::ErrorBody("METHOD_NOT_ALLOWED", req.method + " is not allowed here; allowed: " + allow,
                              req.request_id);
      r.headers.emplace_back("Allow", allow);
      return r;
    }
    return fail(NotFound("no route for " + req.method + " " + ctx.req.target + "; see /api/v1/openapi.json"));
  }
  const Route& route = *m.route;
  *route_label = route.pattern;
  ctx.req.route = route.pattern;
  ctx.req.action = route.action;
  ctx.req.success_status = route.success_status;

  if (route.access != Access::kPublic) {
    auto who = auth_->Authenticate(req.Header("authorization"));
    if (!who.ok()) {
      auto r = fail(who.status());
      r.headers.emplace_back("WWW-Authenticate", "Bearer, ApiKey");
      return r;
    }
    ctx.who = std::move(who).value();
    if (route.scope && !ctx.who.HasScope(*route.scope))
      return fail(PermissionDenied(std::string("this API key lacks the ") + platform::ScopeName(*route.scope) +
                                            " scope that " + req.method + " " + route.pattern + " needs"));
    if (route.access == Access::kAdmin && !ctx.who.ActsAsAdmin())
      return fail(PermissionDenied("this needs the admin role"));
  }

  Call call{req, ctx, std::move(m.params), {}};
  for (auto p : url->params()) {
    if (std::find(m.query->begin(), m.query->end(), p.key) == m.query->end()) {
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
  return resp;
}

}  // namespace hops::api
