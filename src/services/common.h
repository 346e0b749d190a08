// Shared service helpers: pages of results and common authorization checks.
#pragma once

#include <string>
#include <vector>

#include "core/crypto.h"
#include "platform/principal.h"

namespace hops::services {

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;  // empty on the last page
};

struct PageRequest {
  int limit = 100;
  std::string after;  // decoded cursor: the sort key of the last item seen
};

inline Status RequireAdmin(const platform::Context& ctx) {
  if (ctx.who.ActsAsAdmin()) return Status::Ok();
  if (ctx.who.admin) return PermissionDenied("this needs an API key with the ADMIN scope");
  return PermissionDenied("this needs the admin role");
}

inline Status RequireSession(const platform::Context& ctx, const char* what) {
  if (ctx.who.method == platform::AuthMethod::kSession) return Status::Ok();
  return PermissionDenied(std::string(what) + " needs a session from password login, not an API key");
}

// A project certificate may not widen or outlive itself (bundles, rotations,
// new certificates, deleting its project).
inline Status RequireNotCertificate(const platform::Context& ctx, const char* what) {
  if (ctx.who.method != platform::AuthMethod::kCertificate) return Status::Ok();
  return PermissionDenied(std::string(what) + " needs a password login or an API key, not a certificate");
}

inline std::string EncodeCursor(const std::string& key) { return crypto::Base64Url("c1:" + key); }

}  // namespace hops::services
