// Reading the audit log: queries and chain verification, for admins only.
// (Writing happens in platform/audit: every service records its mutations.)
#pragma once

#include <vector>

#include "meta/store.h"
#include "platform/audit.h"
#include "platform/principal.h"

namespace hops::services {

class AuditService {
 public:
  explicit AuditService(meta::Store& store) : store_(store) {}
  Result<std::vector<platform::AuditRecord>> Query(platform::Context& ctx, const platform::AuditFilter& filter);
  Result<platform::AuditVerification> Verify(platform::Context& ctx);

 private:
  meta::Store& store_;
};

}  // namespace hops::services
