// Scope and auth-method names.
#include "platform/principal.h"

#include <array>

namespace hops::platform {
namespace {
constexpr std::array<std::pair<Scope, const char*>, 10> kScopes = {{
    {Scope::kProject, "PROJECT"},
    {Scope::kDatasetView, "DATASET_VIEW"},
    {Scope::kDatasetCreate, "DATASET_CREATE"},
    {Scope::kDatasetDelete, "DATASET_DELETE"},
    {Scope::kFeaturestore, "FEATURESTORE"},
    {Scope::kJob, "JOB"},
    {Scope::kModelRegistry, "MODELREGISTRY"},
    {Scope::kServing, "SERVING"},
    {Scope::kKafka, "KAFKA"},
    {Scope::kAdmin, "ADMIN"},
}};
}  // namespace

const char* ScopeName(Scope s) {
  for (auto [sc, n] : kScopes)
    if (sc == s) return n;
  return "UNKNOWN";
}

std::optional<Scope> ParseScope(const std::string& name) {
  for (auto [sc, n] : kScopes)
    if (name == n) return sc;
  return std::nullopt;
}

std::vector<std::string> ScopeNames(uint32_t mask) {
  std::vector<std::string> out;
  for (auto [sc, n] : kScopes)
    if (mask & static_cast<uint32_t>(sc)) out.emplace_back(n);
  return out;
}

Result<uint32_t> ParseScopes(const std::vector<std::string>& names) {
  uint32_t mask = 0;
  for (const auto& n : names) {
    auto s = ParseScope(n);
    if (!s) {
      std::string all;
      for (auto [sc, nm] : kScopes) all += (all.empty() ? "" : ", ") + std::string(nm);
      return InvalidArgument("unknown scope '" + n + "'; scopes are " + all);
    }
    mask |= static_cast<uint32_t>(*s);
  }
  return mask;
}

const char* AuthMethodName(AuthMethod m) {
  switch (m) {
    case AuthMethod::kNone: return "none";
    case AuthMethod::kSession: return "session";
    case AuthMethod::kApiKey: return "apikey";
    case AuthMethod::kCertificate: return "certificate";
  }
  return "none";
}

}  // namespace hops::platform
