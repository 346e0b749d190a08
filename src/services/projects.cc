// Project rules: naming, ownership limits, membership and roles, quotas.
#include "services/projects.h"

#include "core/clock.h"
#include "fs/fs.h"
#include "platform/audit.h"
#include "services/certs.h"
#include "services/names.h"

namespace hops::services {
using platform::Context;
namespace {

constexpr const char* kProjectSelect =
    "SELECT p.id, p.name, p.description, u.username, p.created_at, p.updated_at, m.role "
    "FROM projects p JOIN users u ON u.id = p.owner_id "
    "LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = ? ";

Project ProjectFrom(const meta::Row& r) {
  return Project{r.Int(0), r.Str(1), r.Str(2), r.Str(3), r.Int(4), r.Int(5), r.Str(6)};
}

Status NoSuchProject(const std::string& name) {
  return NotFound("project '" + name + "' not found (or you are not a member)");
}

// Loads a project as seen by the caller: NOT_FOUND unless a member or admin.
Result<Project> Resolve(meta::Txn& t, const Context& ctx, const std::string& name) {
  HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne(std::string(kProjectSelect) + "WHERE p.name_key = ?",
                                             {ctx.who.user_id, Lower(name)}));
  if (!row) return NoSuchProject(name);
  Project p = ProjectFrom(*row);
  if ((p.role.empty() && !ctx.who.ActsAsAdmin()) || !ctx.who.Reaches(p.id)) return NoSuchProject(name);
  return p;
}

Status RequireDataOwner(const Context& ctx, const Project& p, const char* what) {
  if (p.role == kDataOwner || ctx.who.ActsAsAdmin()) return Status::Ok();
  return PermissionDenied(std::string("only Data Owners of '") + p.name + "' can " + what);
}

Status ValidateRole(const std::string& role) {
  if (role != kDataOwner && role != kDataScientist)
    return InvalidArgument("role must be DATA_OWNER or DATA_SCIENTIST");
  return Status::Ok();
}

Result<QuotaReport> LoadQuotas(meta::Txn& t, int64_t project_id, const std::string& name) {
  HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT storage_bytes_limit, storage_bytes_used, namespace_limit, "
                                             "namespace_used, cpu_hours_limit, cpu_seconds_used, gpu_hours_limit, "
                                             "gpu_seconds_used FROM project_quotas WHERE project_id = ?",
                                             {project_id}));
  if (!row) return Internal("project has no quota row");
  QuotaReport q;
  q.storage_bytes = {row->Int(0), static_cast<double>(row->Int(1))};
  q.namespace_entries = {row->Int(2), static_cast<double>(row->Int(3))};
  q.cpu_hours = {row->Int(4), static_cast<double>(row->Int(5)) / 3600.0};
  q.gpu_hours = {row->Int(6), static_cast<double>(row->Int(7)) / 3600.0};
  // Storage and namespace usage are kept by HopsFS on the project's root.
  HOPS_ASSIGN_OR_RETURN(auto usage, fs::ProjectUsage(t, name));
  q.storage_bytes.used = static_cast<double>(usage.first);
  q.namespace_entries.used = static_cast<double>(usage.second);
  return q;
}

Result<Member> FindMember(meta::Txn& t, int64_t project_id, const std::string& username) {
  HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT u.username, m.role, m.added_at, u.id FROM project_members m "
                                             "JOIN users u ON u.id = m.user_id "
                                             "WHERE m.project_id = ? AND u.username = ?",
                                             {project_id, username}));
  if (!row) return NotFound("'" + username + "' is not a member of this project");
  return Member{row->Str(0), row->Str(1), row->Int(2)};
}

}  // namespace

Result<Membership> CallerMembership(meta::Txn& t, const Context& ctx, const std::string& project) {
  HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT p.id, p.name, m.role FROM projects p JOIN project_members m "
                                             "ON m.project_id = p.id AND m.user_id = ? WHERE p.name_key = ?",
                                             {ctx.who.user_id, Lower(project)}));
  if (!row || !ctx.who.Reaches(row->Int(0))) return NoSuchProject(project);
  return Membership{row->Int(0), row->Str(1), row->Str(2)};
}

Result<Project> ProjectService::Create(Context& ctx, const std::string& name, const std::string& description) {
  ctx.req.target = name;
  ctx.req.project = name;
  HOPS_RETURN_IF_ERROR(ValidateProjectName(name));
  HOPS_RETURN_IF_ERROR(ValidateText("description", description, 2000));
  Project p;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    // Serialise one owner's creations so the limit holds on every engine.
    HOPS_RETURN_IF_ERROR(t.Query("SELECT id FROM users WHERE id = ?" + t.ForUpdate(), {ctx.who.user_id}).status());
    HOPS_ASSIGN_OR_RETURN(auto owned, t.QueryOne("SELECT COUNT(*) FROM projects WHERE owner_id = ?",
                                                 {ctx.who.user_id}));
    if (owned->Int(0) >= settings_.max_projects_per_user)
      return QuotaExceeded("you already own " + std::to_string(owned->Int(0)) + " projects, the limit per user; " +
                           "delete one or ask an admin");
    HOPS_ASSIGN_OR_RETURN(auto dup, t.QueryOne("SELECT name FROM projects WHERE name_key = ?", {Lower(name)}));
    if (dup) return AlreadyExists("a project named '" + dup->Str(0) + "' already exists");
    int64_t now = Now();
    HOPS_ASSIGN_OR_RETURN(int64_t id, t.Insert("INSERT INTO projects (name, name_key, description, owner_id, "
                                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                                               {name, Lower(name), description, ctx.who.user_id, now, now}));
    HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO project_members (project_id, user_id, role, added_at) "
                                "VALUES (?, ?, ?, ?)",
                                {id, ctx.who.user_id, std::string(kDataOwner), now})
                             .status());
    HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO project_quotas (project_id, storage_bytes_limit, namespace_limit, "
                                "cpu_hours_limit, gpu_hours_limit) VALUES (?, ?, ?, ?, ?)",
                                {id, settings_.quota_storage_bytes, settings_.quota_namespace_entries,
                                 settings_.quota_cpu_hours, settings_.quota_gpu_hours})
                             .status());
    if (certs_) HOPS_RETURN_IF_ERROR(certs_->IssueMember(t, ctx, id, name, ctx.who.user_id, ctx.who.username).status());
    HOPS_RETURN_IF_ERROR(fs::CreateProjectRoot(t, name, ctx.who.username, settings_.quota_storage_bytes,
                                               settings_.quota_namespace_entries, now / 1000,
                                               settings_.fs_default_provenance));
    p = Project{id, name, description, ctx.who.username, now, now, kDataOwner};
    return platform::RecordMutation(t, ctx);
  }));
  return p;
}

Result<Page<Project>> ProjectService::List(Context& ctx, const PageRequest& page) {
  Page<Project> out;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    out.items.clear();
    std::string sql = ctx.who.ActsAsAdmin()
                          ? std::string(kProjectSelect) + "WHERE p.name_key > ? ORDER BY p.name_key LIMIT ?"
                          : std::string(kProjectSelect) +
                                "WHERE m.role IS NOT NULL AND p.name_key > ? ORDER BY p.name_key LIMIT ?";
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query(sql, {ctx.who.user_id, page.after, int64_t{page.limit} + 1}));
    for (const auto& r : rows)
      if (ctx.who.Reaches(r.Int(0))) out.items.push_back(ProjectFrom(r));
    return Status::Ok();
  }));
  if (static_cast<int>(out.items.size()) > page.limit) {
    out.items.pop_back();
    out.next_page_token = EncodeCursor(Lower(out.items.back().name));
  }
  return out;
}

Result<Project> ProjectService::Get(Context& ctx, const std::string& name) {
  ctx.req.target = ctx.req.project = name;
  Project p;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(p, Resolve(t, ctx, name));
    return Status::Ok();
  }));
  return p;
}

Result<Project> ProjectService::Update(Context& ctx, const std::string& name, const std::string& description) {
  ctx.req.target = ctx.req.project = name;
  HOPS_RETURN_IF_ERROR(ValidateText("description", description, 2000));
  Project p;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(p, Resolve(t, ctx, name));
    HOPS_RETURN_IF_ERROR(RequireDataOwner(ctx, p, "change the project"));
    p.description = description;
    p.updated_at = Now();
    HOPS_RETURN_IF_ERROR(t.Exec("UPDATE projects SET description = ?, updated_at = ? WHERE id = ?",
                                {description, p.updated_at, p.id})
                             .status());
    return platform::RecordMutation(t, ctx);
  }));
  return p;
}

Status ProjectService::Delete(Context& ctx, const std::string& name) {
  ctx.req.target = ctx.req.project = name;
  HOPS_RETURN_IF_ERROR(RequireNotCertificate(ctx, "deleting a project"));
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Project p, Resolve(t, ctx, name));
    if (p.owner != ctx.who.username && !ctx.who.ActsAsAdmin())
      return PermissionDenied("only the owner of '" + p.name + "' (" + p.owner + ") or an admin can delete it");
    // The tree leaves the namespace now; its entries and blocks are deleted in batches.
    HOPS_RETURN_IF_ERROR(fs::DetachProjectRoot(t, p.id, p.name));
    HOPS_RETURN_IF_ERROR(fs::BumpNamespaceEpoch(t));  // cached memberships (fs.h)
    if (certs_) HOPS_RETURN_IF_ERROR(certs_->RevokeProject(t, ctx, p.id));
    for (const char* sql : {"DELETE FROM project_members WHERE project_id = ?",
                            "DELETE FROM project_quotas WHERE project_id = ?", "DELETE FROM projects WHERE id = ?"}) {
      HOPS_RETURN_IF_ERROR(t.Exec(sql, {p.id}).status());
    }
    return platform::RecordMutation(t, ctx);
  });
}

Result<std::vector<Member>> ProjectService::ListMembers(Context& ctx, const std::string& project) {
  ctx.req.target = ctx.req.project = project;
  std::vector<Member> out;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    out.clear();
    HOPS_ASSIGN_OR_RETURN(Project p, Resolve(t, ctx, project));
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query("SELECT u.username, m.role, m.added_at FROM project_members m "
                                             "JOIN users u ON u.id = m.user_id WHERE m.project_id = ? "
                                             "ORDER BY u.username",
                                             {p.id}));
    for (const auto& r : rows) out.push_back(Member{r.Str(0), r.Str(1), r.Int(2)});
    return Status::Ok();
  }));
  return out;
}

Result<Member> ProjectService::AddMember(Context& ctx, const std::string& project, const std::string& username,
                                         const std::string& role) {
  ctx.req.project = project;
  ctx.req.target = project + "/" + username;
  HOPS_RETURN_IF_ERROR(ValidateRole(role));
  Member m;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Project p, Resolve(t, ctx, project));
    HOPS_RETURN_IF_ERROR(RequireDataOwner(ctx, p, "add members"));
    HOPS_ASSIGN_OR_RETURN(auto user, t.QueryOne("SELECT id, status FROM users WHERE username = ?", {username}));
    if (!user) return NotFound("user '" + username + "' not found");
    if (user->Str(1) != "ACTIVE")
      return Conflict("user '" + username + "' is " + user->Str(1) + " and cannot join projects");
    HOPS_ASSIGN_OR_RETURN(auto dup, t.QueryOne("SELECT role FROM project_members WHERE project_id = ? AND "
                                               "user_id = ?",
                                               {p.id, user->Int(0)}));
    if (dup) return AlreadyExists("'" + username + "' is already a member of '" + p.name + "'");
    m = Member{username, role, Now()};
    HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO project_members (project_id, user_id, role, added_at) "
                                "VALUES (?, ?, ?, ?)",
                                {p.id, user->Int(0), role, m.added_at})
                             .status());
    if (certs_) HOPS_RETURN_IF_ERROR(certs_->IssueMember(t, ctx, p.id, p.name, user->Int(0), username).status());
    return platform::RecordMutation(t, ctx);
  }));
  return m;
}

Result<Member> ProjectService::UpdateMember(Context& ctx, const std::string& project, const std::string& username,
                                            const std::string& role) {
  ctx.req.project = project;
  ctx.req.target = project + "/" + username;
  HOPS_RETURN_IF_ERROR(ValidateRole(role));
  Member m;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Project p, Resolve(t, ctx, project));
    HOPS_RETURN_IF_ERROR(RequireDataOwner(ctx, p, "change member roles"));
    HOPS_ASSIGN_OR_RETURN(m, FindMember(t, p.id, username));
    if (username == p.owner && role != kDataOwner)
      return Conflict("'" + username + "' owns '" + p.name + "' and stays a Data Owner");
    m.role = role;
    HOPS_RETURN_IF_ERROR(fs::BumpNamespaceEpoch(t));  // cached memberships (fs.h)
    HOPS_RETURN_IF_ERROR(t.Exec("UPDATE project_members SET role = ? WHERE project_id = ? AND user_id = "
                                "(SELECT id FROM users WHERE username = ?)",
                                {role, p.id, username})
                             .status());
    return platform::RecordMutation(t, ctx);
  }));
  return m;
}

Status ProjectService::RemoveMember(Context& ctx, const std::string& project, const std::string& username) {
  ctx.req.project = project;
  ctx.req.target = project + "/" + username;
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Project p, Resolve(t, ctx, project));
    // Members may leave a project; removing others needs a Data Owner.
    if (username != ctx.who.username) HOPS_RETURN_IF_ERROR(RequireDataOwner(ctx, p, "remove members"));
    HOPS_RETURN_IF_ERROR(FindMember(t, p.id, username).status());
    if (username == p.owner) return Conflict("'" + username + "' owns '" + p.name + "' and cannot be removed");
    HOPS_RETURN_IF_ERROR(fs::BumpNamespaceEpoch(t));  // cached memberships (fs.h)
    HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM project_members WHERE project_id = ? AND user_id = "
                                "(SELECT id FROM users WHERE username = ?)",
                                {p.id, username})
                             .status());
    if (certs_) {
      HOPS_ASSIGN_OR_RETURN(auto uid, t.QueryOne("SELECT id FROM users WHERE username = ?", {username}));
      if (uid) HOPS_RETURN_IF_ERROR(certs_->RevokeMember(t, ctx, p.id, uid->Int(0), kReasonAffiliationChanged));
    }
    return platform::RecordMutation(t, ctx);
  });
}

Result<QuotaReport> ProjectService::GetQuotas(Context& ctx, const std::string& project) {
  ctx.req.target = ctx.req.project = project;
  QuotaReport q;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Project p, Resolve(t, ctx, project));
    HOPS_ASSIGN_OR_RETURN(q, LoadQuotas(t, p.id, p.name));
    return Status::Ok();
  }));
  return q;
}

Result<QuotaReport> ProjectService::SetQuotas(Context& ctx, const std::string& project, const QuotaUpdate& up) {
  ctx.req.target = ctx.req.project = project;
  HOPS_RETURN_IF_ERROR(RequireAdmin(ctx));
  for (auto [field, v] : {std::pair{"storage_bytes", up.storage_bytes}, std::pair{"namespace_entries", up.namespace_entries},
                          std::pair{"cpu_hours", up.cpu_hours}, std::pair{"gpu_hours", up.gpu_hours}}) {
    if (v && *v < -1) return InvalidArgument(std::string(field) + " must be -1 (unlimited) or a non-negative number");
  }
  QuotaReport q;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Project p, Resolve(t, ctx, project));
    HOPS_ASSIGN_OR_RETURN(q, LoadQuotas(t, p.id, p.name));
    if (up.storage_bytes) q.storage_bytes.limit = *up.storage_bytes;
    if (up.namespace_entries) q.namespace_entries.limit = *up.namespace_entries;
    if (up.cpu_hours) q.cpu_hours.limit = *up.cpu_hours;
    if (up.gpu_hours) q.gpu_hours.limit = *up.gpu_hours;
    HOPS_RETURN_IF_ERROR(t.Exec("UPDATE project_quotas SET storage_bytes_limit = ?, namespace_limit = ?, "
                                "cpu_hours_limit = ?, gpu_hours_limit = ? WHERE project_id = ?",
                                {q.storage_bytes.limit, q.namespace_entries.limit, q.cpu_hours.limit,
                                 q.gpu_hours.limit, p.id})
                             .status());
    HOPS_RETURN_IF_ERROR(fs::SetProjectRootQuota(t, p.name, q.storage_bytes.limit, q.namespace_entries.limit));
    return platform::RecordMutation(t, ctx);
  }));
  return q;
}

}  // namespace hops::services
