// Admin-only access to the audit log.
#include "services/audit.h"

#include "services/common.h"

namespace hops::services {

Result<std::vector<platform::AuditRecord>> AuditService::Query(platform::Context& ctx,
                                                               const platform::AuditFilter& filter) {
  HOPS_RETURN_IF_ERROR(RequireAdmin(ctx));
  if (filter.limit < 1 || filter.limit > 1001) return BadRequest("limit must be an integer from 1 to 1000");
  return platform::QueryAudit(store_, filter);
}

Result<platform::AuditVerification> AuditService::Verify(platform::Context& ctx) {
  HOPS_RETURN_IF_ERROR(RequireAdmin(ctx));
  return platform::VerifyAudit(store_);
}

}  // namespace hops::services
