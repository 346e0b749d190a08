// Projects, their members and quotas. A project is a team's workspace: an
// owner (always a Data Owner), members with roles, and quotas. Non-members
// cannot tell a project exists (NOT_FOUND). Deleting a project removes
// everything it owns in one transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "meta/store.h"
#include "platform/principal.h"
#include "services/common.h"

namespace hops::services {

struct Project {
  int64_t id = 0;
  std::string name, description, owner;
  int64_t created_at = 0, updated_at = 0;
  std::string role;  // the caller's role; empty when the caller is an admin but not a member
};

struct Member {
  std::string username, role;
  int64_t added_at = 0;
};

struct QuotaLine {
  int64_t limit = -1;
  double used = 0;
};
struct QuotaReport {
  QuotaLine storage_bytes, namespace_entries, cpu_hours, gpu_hours;
};
struct QuotaUpdate {
  std::optional<int64_t> storage_bytes, namespace_entries, cpu_hours, gpu_hours;
};

struct ProjectSettings {
  int64_t max_projects_per_user = 10;
  int64_t quota_storage_bytes = -1, quota_namespace_entries = -1, quota_cpu_hours = -1, quota_gpu_hours = -1;
  int fs_default_provenance = 1;  // provenance level of a new project's datasets
};

constexpr const char* kDataOwner = "DATA_OWNER";
constexpr const char* kDataScientist = "DATA_SCIENTIST";

// The caller's membership in a project, read in the caller's transaction.
struct Membership {
  int64_t id = 0;      // the project's id
  std::string name;    // its name as created
  std::string role;    // the caller's role there
};
// NOT_FOUND unless the caller is a member (and, for a project certificate, it is its project).
Result<Membership> CallerMembership(meta::Txn& t, const platform::Context& ctx, const std::string& project);

class CertService;

class ProjectService {
 public:
  ProjectService(meta::Store& store, ProjectSettings settings, const Clock* clock = Clock::Real())
      : store_(store), settings_(settings), clock_(clock) {}

  Result<Project> Create(platform::Context& ctx, const std::string& name, const std::string& description);
  Result<Page<Project>> List(platform::Context& ctx, const PageRequest& page);
  Result<Project> Get(platform::Context& ctx, const std::string& name);
  Result<Project> Update(platform::Context& ctx, const std::string& name, const std::string& description);
  Status Delete(platform::Context& ctx, const std::string& name);

  Result<std::vector<Member>> ListMembers(platform::Context& ctx, const std::string& project);
  Result<Member> AddMember(platform::Context& ctx, const std::string& project, const std::string& username,
                           const std::string& role);
  Result<Member> UpdateMember(platform::Context& ctx, const std::string& project, const std::string& username,
                              const std::string& role);
  Status RemoveMember(platform::Context& ctx, const std::string& project, const std::string& username);

  Result<QuotaReport> GetQuotas(platform::Context& ctx, const std::string& project);
  Result<QuotaReport> SetQuotas(platform::Context& ctx, const std::string& project, const QuotaUpdate& update);

  // Members get certificates when they join and lose them when they leave.
  void set_certs(CertService* certs) { certs_ = certs; }

 private:
  int64_t Now() const { return clock_->NowMicros(); }

  meta::Store& store_;
  ProjectSettings settings_;
  const Clock* clock_;
  CertService* certs_ = nullptr;
};

}  // namespace hops::services
