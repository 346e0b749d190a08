// JSON views of service objects: the wire shapes documented in docs/api.md.
#pragma once

#include <boost/json.hpp>

#include "core/clock.h"
#include "platform/audit.h"
#include "services/projects.h"
#include "services/users.h"

namespace hops::api {

inline boost::json::object UserJson(const services::User& u) {
  return {{"username", u.username}, {"email", u.email}, {"role", u.role}, {"status", u.status},
          {"created_at", FormatRfc3339(u.created_at)}};
}

inline boost::json::object ApiKeyJson(const services::ApiKeyInfo& k) {
  boost::json::array scopes;
  for (auto& n : platform::ScopeNames(k.scopes)) scopes.emplace_back(n);
  boost::json::object o{{"name", k.name}, {"prefix", k.prefix}, {"scopes", scopes},
                        {"created_at", FormatRfc3339(k.created_at)}};
  if (k.last_used_at) o["last_used_at"] = FormatRfc3339(*k.last_used_at);
  else o["last_used_at"] = nullptr;
  if (!k.key.empty()) o["key"] = k.key;
  return o;
}

inline boost::json::object ProjectJson(const services::Project& p) {
  boost::json::object o{{"name", p.name},
                        {"description", p.description},
                        {"owner", p.owner},
                        {"created_at", FormatRfc3339(p.created_at)},
                        {"updated_at", FormatRfc3339(p.updated_at)}};
  if (p.role.empty()) o["role"] = nullptr;
  else o["role"] = p.role;
  return o;
}

inline boost::json::object MemberJson(const services::Member& m) {
  return {{"username", m.username}, {"role", m.role}, {"added_at", FormatRfc3339(m.added_at)}};
}

inline boost::json::object QuotaJson(const services::QuotaReport& q) {
  auto line = [](const services::QuotaLine& l, bool whole) {
    boost::json::object o{{"limit", l.limit}};
    if (whole) o["used"] = static_cast<int64_t>(l.used);
    else o["used"] = l.used;
    return o;
  };
  return {{"storage_bytes", line(q.storage_bytes, true)},
          {"namespace_entries", line(q.namespace_entries, true)},
          {"cpu_hours", line(q.cpu_hours, false)},
          {"gpu_hours", line(q.gpu_hours, false)}};
}

inline boost::json::object AuditJson(const platform::AuditRecord& a) {
  return {{"seq", a.seq},         {"time", FormatRfc3339(a.ts)}, {"user", a.username},
          {"auth", a.auth},       {"client", a.client},         {"method", a.method},
          {"route", a.route},     {"action", a.action},         {"target", a.target},
          {"project", a.project}, {"outcome", a.outcome},       {"status", a.status},
          {"latency_us", a.latency_us}, {"request_id", a.request_id}, {"hash", a.hash}};
}

}  // namespace hops::api
