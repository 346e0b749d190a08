// HopsFS namespace changes: rename, delete (with the subtree protocol),
// attributes and quotas, content summaries, extended attributes, dataset
// shares and provenance queries.
#include <algorithm>
#include <set>
#include <tuple>

#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "fs/fs.h"
#include "fs/fs_internal.h"
#include "fs/path.h"
#include "platform/audit.h"
#include "services/names.h"
#include "services/projects.h"

namespace hops::fs {

// Data Scientists (and EDITABLE shares) may delete or move a directory only
// when everything in it is theirs.
Status FsService::RequireOwnSubtree(meta::Txn& t, Caller& c, const Resolved& r, const Inode& n) {
  if (!n.dir || (r.role == services::kDataOwner && r.share.empty())) return Status::Ok();
  HOPS_ASSIGN_OR_RETURN(auto row,
                        t.QueryOne("WITH RECURSIVE sub(id, is_dir, owner) AS ("
                                   "SELECT id, is_dir, owner FROM inodes WHERE id = ? "
                                   "UNION ALL SELECT i.id, i.is_dir, i.owner FROM inodes i JOIN sub ON i.parent_id = sub.id "
                                   "WHERE sub.is_dir = 1) SELECT COUNT(*) FROM sub WHERE owner <> ?",
                                   {n.id, c.ctx.who.username}));
  if (row->Int(0) > 0)
    return PermissionDenied("'" + n.name + "' holds " + std::to_string(row->Int(0)) +
                            " entries created by others; only a Data Owner can delete or move it");
  return Status::Ok();
}

Result<FileStatus> FsService::Rename(Caller& c, const Path& src, const Path& dst_in, bool into_existing_dir) {
  if (src.size() < 3) return PermissionDenied("projects cannot be moved");
  if (dst_in.size() < 3) return InvalidArgument("the destination must be inside a project: /Projects/<project>/...");
  FileStatus out;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    Path dst = dst_in;
    HOPS_ASSIGN_OR_RETURN(Resolved rs, Resolve(t, c, src, true));
    c.ctx.req.target = rs.shown().substr(0, 512);
    if (!rs.found) return NoSuchPath(rs.shown());
    if (!rs.alias.empty() && rs.real.size() == 3) return PermissionDenied("a shared dataset cannot be moved");
    Inode n = rs.target();
    HOPS_RETURN_IF_ERROR(Check(c, rs, rs.real.size() == 3 ? Need::kAdmin : Need::kModify, &n));
    HOPS_RETURN_IF_ERROR(RequireOwnSubtree(t, c, rs, n));
    HOPS_ASSIGN_OR_RETURN(Resolved rd, Resolve(t, c, dst, true));
    if (rd.found && into_existing_dir && rd.target().dir) {
      dst.push_back(src.back());
      HOPS_ASSIGN_OR_RETURN(rd, Resolve(t, c, dst, true));
    }
    if (rd.found) {
      if (rd.target().id == n.id) {
        out = FileStatus{n, dst.back(), rd.share};
        return Status::Ok();  // renaming onto itself changes nothing
      }
      return AlreadyExists(rd.shown() + " already exists");
    }
    if (rd.chain.size() != rd.real.size())
      return NotFound("the destination's parent directory does not exist: " + JoinPath(dst, 0).substr(0, 512));
    const Inode& parent = rd.chain.back();
    if (!parent.dir) return AlreadyExists(PathOfChain(rd.chain, rd.chain.size() - 1) + " is a file");
    for (const auto& a : rd.chain)
      if (a.id == n.id) return InvalidArgument("cannot move " + rs.shown() + " into its own subtree");
    HOPS_RETURN_IF_ERROR(ValidateName(rd.real.back()));
    HOPS_RETURN_IF_ERROR(Check(c, rd, rd.real.size() == 3 ? Need::kAdmin : Need::kWrite, nullptr));
    if (rs.project_id != rd.project_id)
      return InvalidArgument("a move stays inside one project's own datasets; copy across projects instead");
    if ((rs.real.size() == 3) != (rd.real.size() == 3))
      return InvalidArgument(
          "a dataset can only be renamed to another dataset name, and files and directories "
          "cannot become datasets by moving; create the dataset instead");
    // Usage moves between the tracking directories that are not common to both paths.
    std::map<int64_t, Charge> charges;
    bool differs = false;
    {
      std::set<int64_t> a, b;
      for (size_t i = 0; i + 1 < rs.chain.size(); ++i)
        if (rs.chain[i].tracks) a.insert(rs.chain[i].id);
      for (const auto& x : rd.chain)
        if (x.tracks) b.insert(x.id);
      differs = a != b;
    }
    if (differs) {
      Totals tot;
      if (n.dir) {
        HOPS_ASSIGN_OR_RETURN(tot, SubtreeTotals(t, n.id));
      } else {
        tot.entries = 1;
        tot.space = n.size * n.replication;
      }
      AddCharges(charges, rs.chain, rs.chain.size() - 1, -tot.entries, -tot.space);
      AddCharges(charges, rd.chain, rd.chain.size(), tot.entries, tot.space);
      HOPS_RETURN_IF_ERROR(ApplyCharges(t, charges));
    }
    int64_t now = NowMs();
    if (n.dir) HOPS_RETURN_IF_ERROR(BumpNamespaceEpoch(t));
    HOPS_RETURN_IF_ERROR(
        t.Exec("UPDATE inodes SET parent_id = ?, name = ? WHERE id = ?", {parent.id, rd.real.back(), n.id}).status());
    HOPS_RETURN_IF_ERROR(
        t.Exec("UPDATE inodes SET children = children - 1, mtime = ? WHERE id = ?", {now, n.parent_id}).status());
    HOPS_RETURN_IF_ERROR(
        t.Exec("UPDATE inodes SET children = children + 1, mtime = ? WHERE id = ?", {now, parent.id}).status());
    HOPS_RETURN_IF_ERROR(Prov(t, c, rs, "rename", 2));
    n.parent_id = parent.id;
    n.name = rd.real.back();
    out = FileStatus{n, dst.back(), rd.share};
    return platform::RecordMutation(t, c.ctx);
  }));
  return out;
}

Status FsService::Delete(Caller& c, const Path& p, bool recursive) {
  if (p.size() < 3) return PermissionDenied("projects are deleted with DELETE /api/v1/projects/{name}");
  std::string lock;
  int64_t dir_id = 0;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    lock.clear();
    HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, true));
    c.ctx.req.target = r.shown().substr(0, 512);
    if (!r.found) return NoSuchPath(r.shown());
    if (!r.alias.empty() && r.real.size() == 3)
      return PermissionDenied("this is a dataset shared with the project; unshare it instead of deleting it");
    const Inode& n = r.target();
    HOPS_RETURN_IF_ERROR(Check(c, r, r.real.size() == 3 ? Need::kAdmin : Need::kModify, &n));
    HOPS_RETURN_IF_ERROR(RequireOwnSubtree(t, c, r, n));
    if (n.dir && n.children > 0) {
      if (!recursive) return Conflict(r.shown() + " is a directory that is not empty; pass recursive=true");
      // Subtree protocol, step 1: lock the subtree root. Writers that resolve
      // a path through it are refused until it is detached.
      lock = settings_.server_id + ":" + crypto::Hex(crypto::RandomBytes(8));
      dir_id = n.id;
      return t.Exec("UPDATE inodes SET subtree_lock = ? WHERE id = ?", {lock, n.id}).status();
    }
    std::map<int64_t, Charge> charges;
    AddCharges(charges, r.chain, r.chain.size() - 1, -1, n.dir ? 0 : -(n.size * n.replication));
    HOPS_RETURN_IF_ERROR(ApplyCharges(t, charges));
    HOPS_RETURN_IF_ERROR(Prov(t, c, r, "delete", 1));
    if (n.dir) HOPS_RETURN_IF_ERROR(BumpNamespaceEpoch(t));
    HOPS_RETURN_IF_ERROR(DeleteFileRows(t, n.id));
    HOPS_RETURN_IF_ERROR(
        t.Exec("UPDATE inodes SET children = children - 1, mtime = ? WHERE id = ?", {NowMs(), n.parent_id}).status());
    if (r.real.size() == 3) HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM fs_shares WHERE dataset_id = ?", {n.id}).status());
    return platform::RecordMutation(t, c.ctx);
  }));
  if (lock.empty()) return Status::Ok();
  // Step 2: count the subtree outside any write transaction; nothing under
  // the lock can change meanwhile.
  Totals tot;
  Status st = store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(tot, SubtreeTotals(t, dir_id));
    return Status::Ok();
  });
  // Step 3: detach it into the trash in one small transaction: from here the
  // whole subtree is gone from the namespace at once, and quotas are freed.
  if (st.ok()) {
    st = store_.Write([&](meta::Txn& t) -> Status {
      HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, false));
      if (!r.found || r.target().id != dir_id || r.target().subtree_lock != lock)
        return Conflict(r.shown() + " changed during the delete; retry");
      for (size_t i = 0; i + 1 < r.chain.size(); ++i)
        if (!r.chain[i].subtree_lock.empty())
          return Conflict("a subtree operation is in progress on " + PathOfChain(r.chain, i) + "; retry shortly");
      std::map<int64_t, Charge> charges;
      AddCharges(charges, r.chain, r.chain.size() - 1, -tot.entries, -tot.space);
      HOPS_RETURN_IF_ERROR(ApplyCharges(t, charges));
      HOPS_RETURN_IF_ERROR(Prov(t, c, r, "delete", 1));
      HOPS_RETURN_IF_ERROR(BumpNamespaceEpoch(t));
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET parent_id = ?, name = ?, subtree_lock = NULL WHERE id = ?",
                                  {kTrashId, "i" + std::to_string(dir_id), dir_id})
                               .status());
      HOPS_RETURN_IF_ERROR(
          t.Exec("UPDATE inodes SET children = children - 1, mtime = ? WHERE id = ?", {NowMs(), r.target().parent_id})
              .status());
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET children = children + 1 WHERE id = ?", {kTrashId}).status());
      if (r.real.size() == 3)
        HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM fs_shares WHERE dataset_id = ?", {dir_id}).status());
      return platform::RecordMutation(t, c.ctx);
    });
  }
  if (!st.ok()) {
    (void)store_.Write([&](meta::Txn& t) {
      return t.Exec("UPDATE inodes SET subtree_lock = NULL WHERE id = ? AND subtree_lock = ?", {dir_id, lock}).status();
    });
    return st;
  }
  // Step 4: delete the detached subtree in small batches (the collector
  // finishes what this request does not).
  auto drained = DrainTrash(2000);
  if (!drained.ok()) log::Warn("fs.trash_drain_failed", {{"error", drained.status().ToString()}});
  return Status::Ok();
}

Result<FileStatus> FsService::SetAttrs(Caller& c, const Path& p, const Attrs& a) {
  if (a.perm && (*a.perm < 0 || *a.perm > 07777)) return InvalidArgument("permission must be octal 0 to 7777");
  if (a.replication && (*a.replication < 1 || *a.replication > 512))
    return InvalidArgument("replication must be 1 to 512");
  for (const auto* q : {&a.ns_quota, &a.ds_quota})
    if (*q && **q < -1) return InvalidArgument("a quota must be -1 (none) or at least 0");
  if (a.ns_quota && *a.ns_quota == 0)
    return InvalidArgument("a namespace quota must be at least 1 (it counts the directory)");
  for (const auto* s : {&a.owner, &a.group})
    if (*s && (s->value().empty() || s->value().size() > 255 || s->value().find(':') != std::string::npos))
      return InvalidArgument("owner and group are names of 1 to 255 bytes without ':'");
  int prov = -1;
  if (a.provenance) {
    HOPS_ASSIGN_OR_RETURN(prov, ParseProvLevel(*a.provenance));
  }
  FileStatus out;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, true));
    c.ctx.req.target = r.shown().substr(0, 512);
    if (!r.found) return NoSuchPath(r.shown());
    Inode n = r.target();
    if (a.perm || a.mtime_ms || a.atime_ms) HOPS_RETURN_IF_ERROR(Check(c, r, Need::kModify, &n));
    if (a.owner || a.group || a.ns_quota || a.ds_quota || a.provenance)
      HOPS_RETURN_IF_ERROR(Check(c, r, Need::kAdmin, &n));
    if (a.replication) HOPS_RETURN_IF_ERROR(Check(c, r, Need::kWrite, &n));
    if (a.perm) {
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET perm = ? WHERE id = ?", {int64_t{*a.perm}, n.id}).status());
      n.perm = *a.perm;
    }
    if (a.owner) {
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET owner = ? WHERE id = ?", {*a.owner, n.id}).status());
      n.owner = *a.owner;
    }
    if (a.group) {
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET grp = ? WHERE id = ?", {*a.group, n.id}).status());
      n.group = *a.group;
    }
    if (a.mtime_ms && *a.mtime_ms >= 0) {
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET mtime = ? WHERE id = ?", {*a.mtime_ms, n.id}).status());
      n.mtime_ms = *a.mtime_ms;
    }
    if (a.atime_ms && *a.atime_ms >= 0) {
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET atime = ? WHERE id = ?", {*a.atime_ms, n.id}).status());
      n.atime_ms = *a.atime_ms;
    }
    if (a.replication) {
      if (n.dir) return InvalidArgument("replication applies to files, not directories");
      std::map<int64_t, Charge> charges;
      AddCharges(charges, r.chain, r.chain.size() - 1, 0, n.size * (*a.replication - n.replication));
      HOPS_RETURN_IF_ERROR(ApplyCharges(t, charges));
      HOPS_RETURN_IF_ERROR(
          t.Exec("UPDATE inodes SET replication = ? WHERE id = ?", {int64_t{*a.replication}, n.id}).status());
      n.replication = *a.replication;
    }
    if (a.ns_quota || a.ds_quota) {
      if (!n.dir) return InvalidArgument("quotas apply to directories");
      if (r.real.size() == 2)
        return InvalidArgument("a project's own quotas are set with PUT /api/v1/projects/{name}/quotas");
      int64_t nsq = a.ns_quota.value_or(n.ns_quota), dsq = a.ds_quota.value_or(n.ds_quota);
      bool tracks = nsq >= 0 || dsq >= 0;
      int64_t ns_used = 0, ds_used = 0;
      if (tracks) {
        if (n.tracks) {
          ns_used = n.ns_used;
          ds_used = n.ds_used;
        } else {
          HOPS_ASSIGN_OR_RETURN(Totals tot, SubtreeTotals(t, n.id));
          ns_used = tot.entries;
          ds_used = tot.space;
        }
      }
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET ns_quota = ?, ds_quota = ?, tracks = ?, ns_used = ?, ds_used = ? "
                                  "WHERE id = ?",
                                  {nsq, dsq, int64_t{tracks}, ns_used, ds_used, n.id})
                               .status());
      n.ns_quota = nsq;
      n.ds_quota = dsq;
      n.tracks = tracks;
      n.ns_used = ns_used;
      n.ds_used = ds_used;
    }
    if (a.provenance) {
      if (r.real.size() != 3 || !n.dir)
        return InvalidArgument("provenance is set per dataset (a directory at /Projects/<project>/<dataset>)");
      HOPS_RETURN_IF_ERROR(BumpNamespaceEpoch(t));
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET prov = ? WHERE id = ?", {int64_t{prov}, n.id}).status());
      n.prov = prov;
    }
    r.chain.back() = n;
    HOPS_RETURN_IF_ERROR(Prov(t, c, r, "setattr", 2));
    out = FileStatus{n, p.back(), r.share};
    return platform::RecordMutation(t, c.ctx);
  }));
  return out;
}

Result<Summary> FsService::ContentSummary(Caller& c, const Path& p) {
  Summary s;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, false, true));
    c.ctx.req.target = r.shown().substr(0, 512);
    if (!r.found) return NoSuchPath(r.shown());
    const Inode& n = r.target();
    if (n.id == kRootId || n.id == kProjectsId)
      return InvalidArgument("content summaries are per project or below: /Projects/<project>/...");
    HOPS_ASSIGN_OR_RETURN(Totals tot, SubtreeTotals(t, n.id));
    s.files = tot.files;
    s.dirs = tot.dirs;
    s.bytes = tot.bytes;
    s.space_consumed = tot.space;
    s.ns_quota = n.tracks ? n.ns_quota : -1;
    s.ds_quota = n.tracks ? n.ds_quota : -1;
    return Status::Ok();
  }));
  return s;
}

namespace {

Status ValidateXattrName(const std::string& name, bool for_write) {
  if (name.size() > 255) return InvalidArgument("an xattr name is at most 255 bytes");
  if (!IsValidUtf8(name)) return InvalidArgument("xattr names must be valid UTF-8");
  size_t dot = name.find('.');
  if (dot == std::string::npos || dot + 1 >= name.size())
    return InvalidArgument("xattr names need a namespace prefix, e.g. user.<name>");
  std::string ns = name.substr(0, dot);
  if (ns == "user") return Status::Ok();
  if (ns == "provenance" || ns == "hops" || ns == "trusted" || ns == "system" || ns == "security" || ns == "raw") {
    if (!for_write) return Status::Ok();
    return PermissionDenied("the " + ns + ".* xattr namespace is reserved for the platform; use user.<name>");
  }
  return InvalidArgument("unknown xattr namespace '" + ns + "'; use user.<name>");
}

}  // namespace

Result<std::map<std::string, std::string>> FsService::GetXattrs(Caller& c, const Path& p,
                                                                const std::vector<std::string>& names) {
  for (const auto& n : names) HOPS_RETURN_IF_ERROR(ValidateXattrName(n, false));
  std::map<std::string, std::string> out;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    out.clear();
    HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, false, true));
    c.ctx.req.target = r.shown().substr(0, 512);
    if (!r.found) return NoSuchPath(r.shown());
    HOPS_ASSIGN_OR_RETURN(
        auto rows, t.Query("SELECT name, value FROM fs_xattrs WHERE inode_id = ? ORDER BY name", {r.target().id}));
    for (const auto& row : rows) out[row.Str(0)] = row.Str(1);
    return Status::Ok();
  }));
  if (names.empty()) return out;
  std::map<std::string, std::string> picked;
  for (const auto& n : names) {
    auto it = out.find(n);
    if (it == out.end()) return NotFound("no xattr named '" + n + "'");
    picked.insert(*it);
  }
  return picked;
}

// The entry whose xattrs change: it must exist, and the caller may write it
// (a dataset itself needs a Data Owner).
Result<FsService::Resolved> FsService::ResolveXattrTarget(meta::Txn& t, Caller& c, const Path& p) {
  HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, true));
  c.ctx.req.target = r.shown().substr(0, 512);
  if (!r.found) return NoSuchPath(r.shown());
  HOPS_RETURN_IF_ERROR(Check(c, r, r.real.size() == 3 ? Need::kAdmin : Need::kWrite, &r.target()));
  return r;
}

Status FsService::SetXattr(Caller& c, const Path& p, const std::string& name, const std::string& value,
                           const std::string& flag) {
  HOPS_RETURN_IF_ERROR(ValidateXattrName(name, true));
  if (value.size() > 65536) return InvalidArgument("an xattr value is at most 65536 bytes");
  if (!flag.empty() && flag != "CREATE" && flag != "REPLACE") return InvalidArgument("flag must be CREATE or REPLACE");
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Resolved r, ResolveXattrTarget(t, c, p));
    const Inode& n = r.target();
    HOPS_ASSIGN_OR_RETURN(auto ex, t.QueryOne("SELECT 1 FROM fs_xattrs WHERE inode_id = ? AND name = ?", {n.id, name}));
    if (ex && flag == "CREATE") return AlreadyExists("xattr '" + name + "' already exists (flag CREATE)");
    if (!ex && flag == "REPLACE") return NotFound("no xattr named '" + name + "' to replace (flag REPLACE)");
    if (!ex) {
      HOPS_ASSIGN_OR_RETURN(auto cnt, t.QueryOne("SELECT COUNT(*) FROM fs_xattrs WHERE inode_id = ?", {n.id}));
      if (cnt->Int(0) >= settings_.xattr_max_per_inode)
        return QuotaExceeded("an entry has at most " + std::to_string(settings_.xattr_max_per_inode) + " xattrs");
    }
    HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM fs_xattrs WHERE inode_id = ? AND name = ?", {n.id, name}).status());
    HOPS_RETURN_IF_ERROR(
        t.Exec("INSERT INTO fs_xattrs (inode_id, name, value) VALUES (?, ?, ?)", {n.id, name, meta::Blob{value}})
            .status());
    return platform::RecordMutation(t, c.ctx);
  });
}

Status FsService::RemoveXattr(Caller& c, const Path& p, const std::string& name) {
  HOPS_RETURN_IF_ERROR(ValidateXattrName(name, true));
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Resolved r, ResolveXattrTarget(t, c, p));
    const Inode& n = r.target();
    HOPS_ASSIGN_OR_RETURN(int64_t k, t.Exec("DELETE FROM fs_xattrs WHERE inode_id = ? AND name = ?", {n.id, name}));
    if (k == 0) return NotFound("no xattr named '" + name + "'");
    return platform::RecordMutation(t, c.ctx);
  });
}

// ---- Shares

namespace {

using ProjectRow = services::Membership;

Status RequireOwner(const ProjectRow& p, const char* what) {
  if (p.role == services::kDataOwner) return Status::Ok();
  return PermissionDenied(std::string("only Data Owners of '") + p.name + "' can " + what);
}

Share ShareFrom(const meta::Row& r) {
  Share s;
  s.project = r.Str(0);
  s.dataset = r.Str(1);
  s.target = r.Str(2);
  s.permission = r.Str(3);
  s.accepted = r.Int(4) != 0;
  s.shared_by = r.Str(5);
  s.created_at = r.Int(6);
  return s;
}

constexpr const char* kShareSelect =
    "SELECT sp.name, i.name, dp.name, s.permission, s.accepted, s.shared_by, s.created_at, "
    "s.dataset_id "
    "FROM fs_shares s "
    "JOIN projects sp ON sp.id = s.src_project JOIN projects dp ON dp.id = s.dst_project "
    "JOIN inodes i ON i.id = s.dataset_id ";

}  // namespace

Result<std::vector<Share>> FsService::ListShares(Caller& c, const std::string& project) {
  std::vector<Share> out;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    out.clear();
    HOPS_ASSIGN_OR_RETURN(ProjectRow p, services::CallerMembership(t, c.ctx, project));
    HOPS_ASSIGN_OR_RETURN(auto rows,
                          t.Query(std::string(kShareSelect) +
                                      "WHERE s.src_project = ? OR s.dst_project = ? ORDER BY sp.name, i.name, dp.name",
                                  {p.id, p.id}));
    for (const auto& r : rows) out.push_back(ShareFrom(r));
    return Status::Ok();
  }));
  return out;
}

Result<Share> FsService::ShareDataset(Caller& c, const std::string& project, const std::string& dataset,
                                      const std::string& target, const std::string& permission) {
  if (permission != "READ_ONLY" && permission != "EDITABLE")
    return InvalidArgument("permission must be READ_ONLY or EDITABLE");
  HOPS_RETURN_IF_ERROR(ValidateName(dataset));
  Share out;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    c.ctx.req.project = project;
    c.ctx.req.target = dataset + " -> " + target;
    HOPS_ASSIGN_OR_RETURN(ProjectRow p, services::CallerMembership(t, c.ctx, project));
    HOPS_RETURN_IF_ERROR(RequireOwner(p, "share its datasets"));
    HOPS_ASSIGN_OR_RETURN(auto root, ChildOf(t, kProjectsId, p.name));
    if (!root) return Internal("the project has no root directory");
    HOPS_ASSIGN_OR_RETURN(auto ds, ChildOf(t, root->id, dataset));
    if (!ds || !ds->dir) return NotFound("no dataset '" + dataset + "' in project '" + p.name + "'");
    HOPS_ASSIGN_OR_RETURN(auto dst,
                          t.QueryOne("SELECT id, name FROM projects WHERE name_key = ?", {services::Lower(target)}));
    if (!dst) return NotFound("project '" + target + "' not found");
    if (dst->Int(0) == p.id) return InvalidArgument("a dataset cannot be shared with its own project");
    HOPS_ASSIGN_OR_RETURN(auto dup, t.QueryOne("SELECT 1 FROM fs_shares WHERE dataset_id = ? AND dst_project = ?",
                                               {ds->id, dst->Int(0)}));
    if (dup) return AlreadyExists("'" + dataset + "' is already shared with '" + dst->Str(1) + "'");
    int64_t now = NowMs();
    HOPS_RETURN_IF_ERROR(t.Insert("INSERT INTO fs_shares (dataset_id, src_project, dst_project, permission, accepted, "
                                  "shared_by, created_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
                                  {ds->id, p.id, dst->Int(0), permission, c.ctx.who.username, now})
                             .status());
    out = Share{p.name, dataset, dst->Str(1), permission, c.ctx.who.username, false, now};
    return platform::RecordMutation(t, c.ctx);
  }));
  return out;
}

Result<Share> FsService::AcceptShare(Caller& c, const std::string& project, const std::string& owner_project,
                                     const std::string& dataset) {
  Share out;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    c.ctx.req.project = project;
    c.ctx.req.target = owner_project + "::" + dataset;
    HOPS_ASSIGN_OR_RETURN(ProjectRow p, services::CallerMembership(t, c.ctx, project));
    HOPS_RETURN_IF_ERROR(RequireOwner(p, "accept shared datasets"));
    HOPS_ASSIGN_OR_RETURN(
        auto row, t.QueryOne(std::string(kShareSelect) + "WHERE s.dst_project = ? AND sp.name_key = ? AND i.name = ?",
                             {p.id, services::Lower(owner_project), dataset}));
    if (!row)
      return NotFound("no dataset '" + dataset + "' of project '" + owner_project + "' is shared with '" + p.name +
                      "'");
    out = ShareFrom(*row);
    if (out.accepted) return Status::Ok();
    HOPS_RETURN_IF_ERROR(
        t.Exec("UPDATE fs_shares SET accepted = 1 WHERE dst_project = ? AND dataset_id = ?", {p.id, row->Int(7)})
            .status());
    out.accepted = true;
    return platform::RecordMutation(t, c.ctx);
  }));
  return out;
}

Status FsService::Unshare(Caller& c, const std::string& project, const std::string& other, const std::string& dataset) {
  return store_.Write([&](meta::Txn& t) -> Status {
    c.ctx.req.project = project;
    c.ctx.req.target = other + "::" + dataset;
    HOPS_ASSIGN_OR_RETURN(ProjectRow p, services::CallerMembership(t, c.ctx, project));
    HOPS_RETURN_IF_ERROR(RequireOwner(p, "unshare datasets"));
    HOPS_ASSIGN_OR_RETURN(auto o,
                          t.QueryOne("SELECT id, name FROM projects WHERE name_key = ?", {services::Lower(other)}));
    if (!o) return NotFound("project '" + other + "' not found");
    // Either this project shared its dataset with `other`, or `other` shared one with this project.
    for (auto [src, src_name, dst] : {std::tuple{p.id, p.name, o->Int(0)}, std::tuple{o->Int(0), o->Str(1), p.id}}) {
      HOPS_ASSIGN_OR_RETURN(auto root, ChildOf(t, kProjectsId, src_name));
      if (!root) continue;
      HOPS_ASSIGN_OR_RETURN(auto ds, ChildOf(t, root->id, dataset));
      if (!ds) continue;
      HOPS_ASSIGN_OR_RETURN(int64_t k, t.Exec("DELETE FROM fs_shares WHERE dataset_id = ? AND src_project = ? AND "
                                              "dst_project = ?",
                                              {ds->id, src, dst}));
      if (k > 0) return platform::RecordMutation(t, c.ctx);
    }
    return NotFound("no share of dataset '" + dataset + "' between '" + p.name + "' and '" + o->Str(1) + "'");
  });
}

Result<std::vector<ProvEvent>> FsService::Provenance(Caller& c, const std::string& project, const ProvFilter& f) {
  std::vector<ProvEvent> out;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    out.clear();
    HOPS_ASSIGN_OR_RETURN(ProjectRow p, services::CallerMembership(t, c.ctx, project));
    std::string sql =
        "SELECT seq, dataset, path, op, username, at, iface, app_id FROM fs_provenance WHERE "
        "project_id = ?";
    meta::Params params{p.id};
    if (!f.path_prefix.empty() && f.path_prefix != "/") {
      sql += " AND (path = ? OR path LIKE ? ESCAPE '!')";
      std::string esc;
      for (char ch : f.path_prefix) {
        if (ch == '%' || ch == '_' || ch == '!') esc += '!';
        esc += ch;
      }
      if (esc.size() > 1 && esc.back() == '/') esc.pop_back();
      params.push_back(f.path_prefix);
      params.push_back(esc + "/%");
    }
    if (!f.op.empty()) {
      sql += " AND op = ?";
      params.push_back(f.op);
    }
    if (f.from_ms) {
      sql += " AND at >= ?";
      params.push_back(*f.from_ms);
    }
    if (f.to_ms) {
      sql += " AND at < ?";
      params.push_back(*f.to_ms);
    }
    if (f.after_seq) {
      sql += " AND seq > ?";
      params.push_back(*f.after_seq);
    }
    sql += " ORDER BY seq LIMIT ?";
    params.push_back(int64_t{f.limit});
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query(sql, params));
    for (const auto& r : rows)
      out.push_back(ProvEvent{r.Int(0), r.Str(1), r.Str(2), r.Str(3), r.Str(4), r.Str(6), r.Str(7), r.Int(5)});
    return Status::Ok();
  }));
  return out;
}

}  // namespace hops::fs
