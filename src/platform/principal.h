// Who is calling and in what request: the Principal (user, how they
// authenticated, which scopes) and the request facts the audit log records.
// Services receive a Context and make every authorization decision with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace hops::platform {

// API-key scopes, as in Hopsworks.
enum class Scope : uint32_t {
  kProject = 1u << 0,
  kDatasetView = 1u << 1,
  kDatasetCreate = 1u << 2,
  kDatasetDelete = 1u << 3,
  kFeaturestore = 1u << 4,
  kJob = 1u << 5,
  kModelRegistry = 1u << 6,
  kServing = 1u << 7,
  kKafka = 1u << 8,
  kAdmin = 1u << 9,
};
constexpr uint32_t kAllScopes = (1u << 10) - 1;

const char* ScopeName(Scope s);
std::optional<Scope> ParseScope(const std::string& name);
std::vector<std::string> ScopeNames(uint32_t mask);
// Parses a list of names into a mask; INVALID_ARGUMENT names the bad one.
Result<uint32_t> ParseScopes(const std::vector<std::string>& names);

enum class AuthMethod { kNone, kSession, kApiKey, kCertificate };
const char* AuthMethodName(AuthMethod m);

struct Principal {
  int64_t user_id = 0;
  std::string username;
  bool admin = false;                      // the user's platform role
  AuthMethod method = AuthMethod::kNone;
  uint32_t scopes = 0;                     // all scopes for sessions
  std::string session_id;                  // for session tokens
  int64_t api_key_id = 0;                  // for API keys
  // A project-member certificate (mutual TLS) acts inside one project only.
  std::string cert_serial;
  int64_t only_project_id = 0;             // 0: not limited to one project
  std::string only_project;

  bool authenticated() const { return method != AuthMethod::kNone; }
  bool HasScope(Scope s) const { return (scopes & static_cast<uint32_t>(s)) != 0; }
  // Admin rights need the role and, for API keys, the ADMIN scope.
  bool ActsAsAdmin() const { return admin && HasScope(Scope::kAdmin); }
  // Whether the caller may act in the project with this id at all.
  bool Reaches(int64_t project_id) const { return only_project_id == 0 || only_project_id == project_id; }
};

// Facts about the HTTP request that the audit log records.
struct RequestInfo {
  std::string request_id;
  std::string client;      // peer address
  std::string method;
  std::string route;       // route pattern, e.g. /api/v1/projects/{name}
  std::string action;      // e.g. project.create
  std::string target;      // the resource touched, e.g. project name or username
  std::string project;     // project context when there is one
  int64_t start_us = 0;    // steady-clock start for latency
  int success_status = 200;
  bool recorded = false;   // set when a service wrote the audit record in its transaction
};

struct Context {
  Principal who;
  RequestInfo req;
};

}  // namespace hops::platform
