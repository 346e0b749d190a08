// HopsFS namespace operations: resolution, authorization, quotas, and the
// metadata side of every operation. Data-path and background work are in
// fs_data.cc and fs_admin.cc.
#include "fs/fs.h"

#include <algorithm>
#include <map>
#include <set>

#include "fs/fs_internal.h"
#include "fs/path.h"
#include "platform/audit.h"
#include "services/names.h"
#include "services/projects.h"

namespace hops::fs {
using platform::Context;

Result<int> ParseProvLevel(const std::string& name) {
  if (name == "off") return 0;
  if (name == "state") return 1;
  if (name == "full") return 2;
  return InvalidArgument("provenance must be off, state or full");
}

const char* ProvLevelName(int level) {
  switch (level) {
    case 0:
      return "off";
    case 2:
      return "full";
    default:
      return "state";
  }
}

// Statements built once: the engine's statement cache is keyed by the text.
const std::string& ChildSql() {
  static const std::string kSql = std::string("SELECT ") + kInodeCols + " FROM inodes WHERE parent_id = ? AND name = ?";
  return kSql;
}
const std::string& ByIdSql() {
  static const std::string kSql = std::string("SELECT ") + kInodeCols + " FROM inodes WHERE id = ?";
  return kSql;
}
const std::string& MembershipSql() {
  static const std::string kSql = std::string("SELECT ") + kInodeColsI +
                                  ", p.id, p.name, m.role, (SELECT epoch FROM fs_meta WHERE id = 1) "
                                  "FROM projects p "
                                  "LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = ? "
                                  "LEFT JOIN inodes i ON i.parent_id = 2 AND i.name = p.name "
                                  "WHERE p.name_key = ?";
  return kSql;
}

Inode InodeFrom(const meta::Row& r) {
  Inode n;
  FillInode(r, kFullRow, n);
  return n;
}

Inode InodeFrom(const meta::RowView& r) {
  Inode n;
  FillInode(r, kFullRow, n);
  return n;
}

// The inode a query returns (its first row, read in place), or nullopt.
Result<std::optional<Inode>> OneInode(meta::Txn& t, const std::string& sql, const meta::Params& params) {
  std::optional<Inode> out;
  HOPS_RETURN_IF_ERROR(t.ForEach(sql, params, [&](const meta::RowView& row) {
    if (!out) out = InodeFrom(row);
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<Inode>> ChildOf(meta::Txn& t, int64_t parent, const std::string& name) {
  return OneInode(t, ChildSql(), {parent, name});
}

Result<std::optional<Inode>> InodeById(meta::Txn& t, int64_t id) { return OneInode(t, ByIdSql(), {id}); }

Result<Totals> SubtreeTotals(meta::Txn& t, int64_t id) {
  HOPS_ASSIGN_OR_RETURN(auto row,
                        t.QueryOne("WITH RECURSIVE sub(id, is_dir, size, repl) AS ("
                                   "SELECT id, is_dir, size, replication FROM inodes WHERE id = ? "
                                   "UNION ALL SELECT i.id, i.is_dir, i.size, i.replication FROM inodes i JOIN sub ON "
                                   "i.parent_id = sub.id "
                                   "WHERE sub.is_dir = 1) "
                                   "SELECT COUNT(*), SUM(is_dir), SUM(CASE WHEN is_dir = 0 THEN size ELSE 0 END), "
                                   "SUM(CASE WHEN is_dir = 0 THEN size * repl ELSE 0 END) FROM sub",
                                   {id}));
  Totals x;
  x.entries = row->Int(0);
  x.dirs = row->Int(1);
  x.files = x.entries - x.dirs;
  x.bytes = row->Int(2);
  x.space = row->Int(3);
  return x;
}

std::string PathOfChain(const std::vector<Inode>& chain, size_t upto) {
  std::string s;
  for (size_t i = 1; i <= upto && i < chain.size(); ++i) s += "/" + chain[i].name;
  return s.empty() ? "/" : s;
}

Status ApplyCharges(meta::Txn& t, const std::map<int64_t, Charge>& charges) {
  for (const auto& [id, ch] : charges) {
    if (ch.ns == 0 && ch.space == 0) continue;
    const Inode& n = ch.inode;
    if (ch.ns > 0 && n.ns_quota >= 0 && n.ns_used + ch.ns > n.ns_quota)
      return QuotaExceeded("the namespace quota of " + ch.path + " is " + std::to_string(n.ns_quota) + " entries and " +
                           std::to_string(n.ns_used) + " are in use; this needs " + std::to_string(ch.ns) + " more");
    if (ch.space > 0 && n.ds_quota >= 0 && n.ds_used + ch.space > n.ds_quota)
      return QuotaExceeded("the space quota of " + ch.path + " is " + std::to_string(n.ds_quota) + " bytes and " +
                           std::to_string(n.ds_used) + " are in use; this needs " + std::to_string(ch.space) + " more");
    HOPS_RETURN_IF_ERROR(
        t.Exec("UPDATE inodes SET ns_used = ns_used + ?, ds_used = ds_used + ? WHERE id = ?", {ch.ns, ch.space, id})
            .status());
  }
  return Status::Ok();
}

void AddCharges(std::map<int64_t, Charge>& m, const std::vector<Inode>& chain, size_t count, int64_t ns,
                int64_t space) {
  for (size_t i = 0; i < count && i < chain.size(); ++i) {
    if (!chain[i].tracks) continue;
    auto [it, fresh] = m.try_emplace(chain[i].id);
    if (fresh) {
      it->second.inode = chain[i];
      it->second.path = PathOfChain(chain, i);
    }
    it->second.ns += ns;
    it->second.space += space;
  }
}

Status QueueBlocksForGc(meta::Txn& t, int64_t inode_id, int64_t now_ms) {
  HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO fs_block_gc (block_id, queued_at) SELECT block_id, ? FROM fs_blocks "
                              "WHERE inode_id = ?",
                              {now_ms, inode_id})
                           .status());
  return t.Exec("DELETE FROM fs_blocks WHERE inode_id = ?", {inode_id}).status();
}

Status FsService::DeleteFileRows(meta::Txn& t, int64_t inode_id) {
  HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM fs_inline WHERE inode_id = ?", {inode_id}).status());
  HOPS_RETURN_IF_ERROR(QueueBlocksForGc(t, inode_id, NowMs()));
  HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM fs_xattrs WHERE inode_id = ?", {inode_id}).status());
  return t.Exec("DELETE FROM inodes WHERE id = ?", {inode_id}).status();
}

FsService::FsService(meta::Store& store, BlockStore& blocks, FsSettings settings, const Clock* clock)
    : store_(store), blocks_(blocks), settings_(settings), clock_(clock) {}

Status NoSuchPath(const std::string& path) { return NotFound("no such file or directory: " + path); }

namespace {

// '/' and '/Projects' are fixed directories; when they are only passed
// through (not the target) their rows are not read.
Inode FixedDir(int64_t id, int64_t parent, const char* name) {
  Inode n;
  n.id = id;
  n.parent_id = parent;
  n.name = name;
  n.dir = true;
  n.owner = n.group = "hops";
  n.perm = 0755;
  return n;
}

}  // namespace

Status BumpNamespaceEpoch(meta::Txn& t) { return t.Exec("UPDATE fs_meta SET epoch = epoch + 1 WHERE id = 1").status(); }

std::optional<Inode> FsService::CachedDir(int64_t epoch, int64_t parent, const std::string& name) {
  std::shared_lock lock(cache_.mu);
  if (cache_.epoch != epoch) return std::nullopt;
  auto it = cache_.dirs.find(std::to_string(parent) + "/" + name);
  if (it == cache_.dirs.end()) return std::nullopt;
  return it->second;
}

bool FsService::CacheAt(int64_t epoch) {
  if (cache_.epoch != epoch) {
    if (epoch < cache_.epoch) return false;  // a transaction older than the cache's view
    cache_.dirs.clear();
    cache_.members.clear();
    cache_.epoch = epoch;
  }
  return true;
}

void FsService::CacheDir(int64_t epoch, const Inode& dir) {
  std::unique_lock lock(cache_.mu);
  if (!CacheAt(epoch)) return;
  if (cache_.dirs.size() >= 200000) cache_.dirs.clear();
  cache_.dirs[std::to_string(dir.parent_id) + "/" + dir.name] = dir;
}

std::optional<FsService::Member> FsService::CachedMember(int64_t epoch, int64_t user_id,
                                                         const std::string& project_key) {
  std::shared_lock lock(cache_.mu);
  if (cache_.epoch != epoch) return std::nullopt;
  auto it = cache_.members.find(std::to_string(user_id) + "/" + project_key);
  if (it == cache_.members.end()) return std::nullopt;
  return it->second;
}

void FsService::CacheMember(int64_t epoch, int64_t user_id, const std::string& project_key, const Member& m) {
  std::unique_lock lock(cache_.mu);
  if (!CacheAt(epoch)) return;
  if (cache_.members.size() >= 100000) cache_.members.clear();
  cache_.members[std::to_string(user_id) + "/" + project_key] = m;
}

Result<FsService::Resolved> FsService::Resolve(meta::Txn& t, Caller& c, const Path& p, bool for_write, bool cached,
                                               std::optional<std::string>* inline_out) {
  Resolved r;
  r.real = p;
  std::optional<Inode> project_root;
  int64_t epoch = -1;
  if (c.ctx.who.only_project_id != 0 && (p.size() < 2 || p[0] != "Projects"))
    return PermissionDenied("a project certificate reaches only /Projects/" + c.ctx.who.only_project);
  if (p.size() >= 2 && p[0] == "Projects") {
    const std::string key = services::Lower(p[1]);
    // Below a project's root, read-only calls take the caller's membership and
    // the root from the cache while the namespace epoch holds (it moves with
    // every change of members, roles or projects).
    const bool below_root = cached && p.size() >= 3;
    std::optional<Member> m;
    if (below_root) {
      static const std::string kEpochSql = "SELECT epoch FROM fs_meta WHERE id = 1";
      HOPS_RETURN_IF_ERROR(t.ForEach(kEpochSql, {}, [&](const meta::RowView& row) {
        epoch = row.Int(0);
        return Status::Ok();
      }));
      m = CachedMember(epoch, c.ctx.who.user_id, key);
    }
    if (!m) {
      // Membership, the project's root directory and the namespace epoch in one query.
      HOPS_RETURN_IF_ERROR(t.ForEach(MembershipSql(), {c.ctx.who.user_id, key}, [&](const meta::RowView& row) {
        if (m || row.IsNull(24)) return Status::Ok();  // no such member
        m.emplace();
        m->project_id = row.Int(22);
        m->project.assign(row.Str(23));
        m->role.assign(row.Str(24));
        epoch = row.Int(25);
        if (!row.IsNull(0)) m->root = InodeFrom(row);
        return Status::Ok();
      }));
      if (m && m->root && below_root) CacheMember(epoch, c.ctx.who.user_id, key, *m);
    }
    if (!m || m->project != p[1] || !c.ctx.who.Reaches(m->project_id)) return NoSuchPath(JoinPath(p));
    r.project_id = m->project_id;
    r.project = m->project;
    r.role = m->role;
    project_root = std::move(m->root);
    r.caller_project = r.project;
    c.ctx.req.project = r.project;
    if (p.size() >= 3) {
      size_t sep = p[2].find("::");
      if (sep != std::string::npos) {
        std::string src = p[2].substr(0, sep), ds = p[2].substr(sep + 2);
        HOPS_ASSIGN_OR_RETURN(auto sh, t.QueryOne("SELECT s.permission, s.accepted, sp.id, sp.name FROM fs_shares s "
                                                  "JOIN projects sp ON sp.id = s.src_project "
                                                  "JOIN inodes i ON i.id = s.dataset_id "
                                                  "WHERE s.dst_project = ? AND sp.name = ? AND i.name = ?",
                                                  {r.project_id, src, ds}));
        if (!sh || sh->Int(1) == 0) return NoSuchPath(JoinPath(p));
        r.share = sh->Str(0);
        r.alias = p[2];
        r.project_id = sh->Int(2);
        r.project = sh->Str(3);
        r.real[1] = r.project;
        r.real[2] = ds;
        HOPS_ASSIGN_OR_RETURN(project_root, ChildOf(t, kProjectsId, r.project));
      }
    }
  }
  if (r.real.empty()) {
    HOPS_ASSIGN_OR_RETURN(auto root, InodeById(t, kRootId));
    if (!root) return Internal("the filesystem root is missing");
    r.chain.push_back(*root);
  } else {
    r.chain.push_back(FixedDir(kRootId, 0, ""));
  }
  size_t i = 0;
  if (r.real.size() >= 2 && r.real[0] == "Projects") {
    r.chain.push_back(FixedDir(kProjectsId, kRootId, "Projects"));
    if (!project_root) {
      r.found = false;
      return r;
    }
    r.chain.push_back(std::move(*project_root));
    i = 2;
  }
  for (; i < r.real.size(); ++i) {
    if (!r.chain.back().dir) return NotFound(PathOfChain(r.chain, r.chain.size() - 1) + " is a file, not a directory");
    // Directories on the way may come from the cache; the last component is
    // always read, so what a call returns or acts on is never cached.
    const bool last = i + 1 == r.real.size();
    if (cached && !last && epoch >= 0) {
      if (auto hit = CachedDir(epoch, r.chain.back().id, r.real[i])) {
        r.chain.push_back(std::move(*hit));
        continue;
      }
    }
    std::optional<Inode> child;
    if (last && inline_out) {
      // The file and its inline bytes in one lookup (reads of small files).
      static const std::string kSql = std::string("SELECT ") + kInodeColsI +
                                      ", d.data FROM inodes i LEFT JOIN fs_inline d ON d.inode_id = i.id "
                                      "WHERE i.parent_id = ? AND i.name = ?";
      HOPS_RETURN_IF_ERROR(t.ForEach(kSql, {r.chain.back().id, r.real[i]}, [&](const meta::RowView& row) {
        child = InodeFrom(row);
        if (!row.IsNull(kInodeColCount)) inline_out->emplace(row.Str(kInodeColCount));
        return Status::Ok();
      }));
    } else {
      HOPS_ASSIGN_OR_RETURN(child, ChildOf(t, r.chain.back().id, r.real[i]));
    }
    if (!child) break;
    if (cached && !last && epoch >= 0 && child->dir) CacheDir(epoch, *child);
    r.chain.push_back(std::move(*child));
  }
  r.found = r.chain.size() == r.real.size() + 1;
  if (for_write) {
    for (size_t k = 0; k < r.chain.size(); ++k)
      if (!r.chain[k].subtree_lock.empty())
        return Conflict("a subtree operation (delete or move) is in progress on " + PathOfChain(r.chain, k) +
                        "; retry shortly");
  }
  return r;
}

// Who may do what:
//  - reading: any member of the project, or of a project the dataset is shared with;
//  - Data Owners: everything in their project (datasets, permissions, quotas, shares);
//  - Data Scientists, and members through an EDITABLE share: write inside a
//    group-writable dataset, and delete or move only what they created;
//  - outside /Projects: read only.
Status FsService::Check(Caller& c, const Resolved& r, Need need, const Inode* subject) {
  if (need == Need::kRead) return Status::Ok();
  if (r.real.size() < 2 || r.project_id == 0)
    return PermissionDenied("only the platform writes outside /Projects/<project>");
  if (r.share == "READ_ONLY")
    return PermissionDenied("the dataset " + r.alias + " is shared with this project read-only");
  if (r.role == services::kDataOwner && r.share.empty()) return Status::Ok();
  const Inode* ds = r.dataset();
  bool at_dataset_level = subject ? (r.chain.size() > 3 && subject->id == r.chain[3].id) : r.chain.size() <= 3;
  if (need == Need::kAdmin || !ds || at_dataset_level) {
    if (!r.share.empty()) return PermissionDenied("a shared dataset is managed by its own project's Data Owners");
    return PermissionDenied("only Data Owners of '" + r.project + "' can do this");
  }
  if (!(ds->perm & 020))
    return PermissionDenied("the dataset '" + ds->name + "' is not group-writable; ask a Data Owner of '" + r.project +
                            "' to make it writable (chmod g+w)");
  if (need == Need::kModify && subject && subject->owner != c.ctx.who.username)
    return PermissionDenied("Data Scientists can change or delete only what they created; '" + subject->name +
                            "' belongs to " + subject->owner);
  return Status::Ok();
}

Status FsService::Prov(meta::Txn& t, Caller& c, const Resolved& r, const std::string& op, int min_level) {
  const Inode* ds = r.dataset();
  if (!ds || ds->prov < min_level) return Status::Ok();
  return t
      .Insert(
          "INSERT INTO fs_provenance (project_id, dataset, path, op, username, at, iface, app_id, "
          "inode_id) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {r.project_id, ds->name, r.rel(), op, c.ctx.who.username, NowMs(), c.iface, c.app_id,
           r.found ? r.target().id : int64_t{0}})
      .status();
}

namespace {

FileStatus StatusOf(const Inode& n, const std::string& shown_name, const std::string& share) {
  return FileStatus{n, shown_name, share};
}

void Target(Caller& c, const std::string& path) { c.ctx.req.target = path.substr(0, 512); }

}  // namespace

Result<bool> FsService::ResolveInOneStatement(Caller& c, const Path& p, Resolved& r,
                                              std::optional<std::string>* inline_out) {
  if (p.size() < 4 || p[0] != "Projects" || p[2].find("::") != std::string::npos) return false;
  int64_t epoch = -1;
  {
    std::shared_lock lock(cache_.mu);
    epoch = cache_.epoch;
    auto m = cache_.members.find(std::to_string(c.ctx.who.user_id) + "/" + services::Lower(p[1]));
    if (epoch < 0 || m == cache_.members.end()) return false;
    const Member& member = m->second;
    if (member.project != p[1] || !member.root || !c.ctx.who.Reaches(member.project_id)) return false;
    r = Resolved{};
    r.real = p;
    r.project_id = member.project_id;
    r.project = r.caller_project = member.project;
    r.role = member.role;
    r.chain.reserve(p.size() + 1);
    r.chain.push_back(FixedDir(kRootId, 0, ""));
    r.chain.push_back(FixedDir(kProjectsId, kRootId, "Projects"));
    r.chain.push_back(*member.root);
    for (size_t i = 2; i + 1 < p.size(); ++i) {
      auto it = cache_.dirs.find(std::to_string(r.chain.back().id) + "/" + p[i]);
      if (!r.chain.back().dir || it == cache_.dirs.end()) return false;
      r.chain.push_back(it->second);
    }
  }
  if (!r.chain.back().dir) return false;
  // Columns 0..21 the target, 22 the epoch, 23 its inline bytes.
  static const std::string kStat = std::string("SELECT ") + kInodeColsI +
                                   ", e.epoch FROM fs_meta e LEFT JOIN inodes i ON i.parent_id = ? AND i.name = ? "
                                   "WHERE e.id = 1";
  static const std::string kRead = std::string("SELECT ") + kInodeColsI +
                                   ", e.epoch, d.data FROM fs_meta e LEFT JOIN inodes i ON i.parent_id = ? AND "
                                   "i.name = ? LEFT JOIN fs_inline d ON d.inode_id = i.id WHERE e.id = 1";
  bool current = false;
  std::optional<Inode> target;
  HOPS_RETURN_IF_ERROR(store_.ReadStatement(inline_out ? kRead : kStat, {r.chain.back().id, p.back()},
                                            [&](const meta::RowView& row) {
                                              current = row.Int(kInodeColCount) == epoch;
                                              if (!row.IsNull(0)) target = InodeFrom(row);
                                              if (inline_out && !row.IsNull(kInodeColCount + 1))
                                                inline_out->emplace(row.Str(kInodeColCount + 1));
                                              return Status::Ok();
                                            }));
  if (!current) return false;
  c.ctx.req.project = r.project;
  if (target) r.chain.push_back(std::move(*target));
  r.found = r.chain.size() == r.real.size() + 1;
  return true;
}

Result<FileStatus> FsService::Stat(Caller& c, const Path& p) {
  FileStatus out;
  auto fill = [&](const Resolved& r) -> Status {
    Target(c, r.shown());
    if (!r.found) return NoSuchPath(r.shown());
    out = StatusOf(r.target(), p.empty() ? "" : p.back(), r.share);
    return Status::Ok();
  };
  Resolved one;
  HOPS_ASSIGN_OR_RETURN(bool resolved, ResolveInOneStatement(c, p, one, nullptr));
  if (resolved) {
    HOPS_RETURN_IF_ERROR(fill(one));
  } else {
    HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
      HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, false, true));
      return fill(r);
    }));
  }
  return out;
}

Result<services::Page<FileStatus>> FsService::List(Caller& c, const Path& p, const services::PageRequest& page) {
  services::Page<FileStatus> out;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    out.items.clear();
    HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, false, true));
    Target(c, r.shown());
    if (!r.found) return NoSuchPath(r.shown());
    const Inode& d = r.target();
    if (!d.dir) {
      out.items.push_back(StatusOf(d, p.back(), r.share));  // HDFS: listing a file lists the file itself
      out.items.back().listed_self = true;
      return Status::Ok();
    }
    const int64_t want = page.limit + 1;
    std::vector<FileStatus> items;
    if (d.id == kProjectsId) {
      // Only the caller's projects are visible.
      HOPS_ASSIGN_OR_RETURN(auto rows, t.Query(std::string("SELECT ") + kInodeColsI +
                                                   " FROM inodes i JOIN projects pr ON pr.name = i.name "
                                                   "JOIN project_members m ON m.project_id = pr.id AND m.user_id = ? "
                                                   "WHERE i.parent_id = ? AND i.name > ? ORDER BY i.name LIMIT ?",
                                               {c.ctx.who.user_id, kProjectsId, page.after, want}));
      for (const auto& row : rows) {
        Inode n = InodeFrom(row);
        items.push_back(StatusOf(n, n.name, ""));
      }
    } else {
      // The page is read in place into its entries: no row is collected first.
      static const std::string kSql = "SELECT " HOPS_LISTED_COLS(
          "") " FROM inodes WHERE parent_id = ? AND name > ? ORDER BY name LIMIT ?";
      items.reserve(static_cast<size_t>(std::min<int64_t>(want, 1001)));
      HOPS_RETURN_IF_ERROR(t.ForEach(kSql, {d.id, page.after, want}, [&](const meta::RowView& row) {
        FileStatus& st = items.emplace_back();
        FillInode(row, kListedRow, st.inode);
        st.inode.parent_id = d.id;
        st.name = st.inode.name;
        st.share = r.share;
        return Status::Ok();
      }));
      if (r.real.size() == 2 && r.share.empty()) {
        // A project root also shows the datasets shared with it and accepted.
        HOPS_ASSIGN_OR_RETURN(auto rows2, t.Query(std::string("SELECT ") + kInodeColsI +
                                                      ", sp.name, s.permission FROM fs_shares s "
                                                      "JOIN inodes i ON i.id = s.dataset_id "
                                                      "JOIN projects sp ON sp.id = s.src_project "
                                                      "WHERE s.dst_project = ? AND s.accepted = 1",
                                                  {r.project_id}));
        for (const auto& row : rows2) {
          Inode n = InodeFrom(row);
          std::string alias = row.Str(22) + "::" + n.name;
          if (alias > page.after) items.push_back(StatusOf(n, alias, row.Str(23)));
        }
        std::sort(items.begin(), items.end(), [](const FileStatus& a, const FileStatus& b) { return a.name < b.name; });
      }
    }
    if (static_cast<int64_t>(items.size()) > page.limit) {
      items.resize(static_cast<size_t>(page.limit));
      out.next_page_token = services::EncodeCursor(items.back().name);
    }
    out.items = std::move(items);
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> FsService::CountAfter(Caller& c, const Path& p, const std::string& after) {
  int64_t n = 0;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, false, true));
    if (!r.found) return NoSuchPath(r.shown());
    if (!r.target().dir || r.target().id == kProjectsId) return Status::Ok();
    HOPS_ASSIGN_OR_RETURN(
        auto row, t.QueryOne("SELECT COUNT(*) FROM inodes WHERE parent_id = ? AND name > ?", {r.target().id, after}));
    n = row->Int(0);
    return Status::Ok();
  }));
  return n;
}

// Creates the missing directories of r.real below the deepest existing one.
Result<std::vector<Inode>> FsService::CreateMissingDirs(meta::Txn& t, Caller& c, Resolved& r, size_t upto,
                                                        std::optional<int> perm) {
  std::vector<Inode> made;
  if (r.chain.size() > upto) return made;
  for (size_t i = r.chain.size() - 1; i < upto; ++i) {
    if (!r.chain.back().dir) return AlreadyExists(PathOfChain(r.chain, r.chain.size() - 1) + " is a file");
    const std::string& name = r.real[i];
    HOPS_RETURN_IF_ERROR(ValidateName(name));
    // The first directory created decides: a dataset needs a Data Owner.
    HOPS_RETURN_IF_ERROR(Check(c, r, r.chain.size() <= 3 ? Need::kAdmin : Need::kWrite, nullptr));
    if (r.chain.size() < 3) return PermissionDenied("projects are created through /api/v1/projects");
    Inode n;
    n.parent_id = r.chain.back().id;
    n.name = name;
    n.dir = true;
    n.owner = c.ctx.who.username;
    n.group = r.project;
    bool dataset = r.chain.size() == 3;
    n.perm = perm.value_or(dataset ? 0770 : 0775);
    n.mtime_ms = n.atime_ms = NowMs();
    n.created_by = c.ctx.who.user_id;
    n.prov = dataset ? settings_.default_provenance : 0;
    std::map<int64_t, Charge> charges;
    AddCharges(charges, r.chain, r.chain.size(), 1, 0);
    HOPS_RETURN_IF_ERROR(ApplyCharges(t, charges));
    for (auto& [id, ch] : charges)
      for (auto& a : r.chain)
        if (a.id == id) a.ns_used += ch.ns;
    HOPS_ASSIGN_OR_RETURN(n.id, t.Insert("INSERT INTO inodes (parent_id, name, is_dir, owner, grp, perm, mtime, atime, "
                                         "created_by, prov) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                                         {n.parent_id, n.name, n.owner, n.group, int64_t{n.perm}, n.mtime_ms,
                                          n.atime_ms, n.created_by, int64_t{n.prov}}));
    HOPS_RETURN_IF_ERROR(
        t.Exec("UPDATE inodes SET children = children + 1, mtime = ? WHERE id = ?", {n.mtime_ms, n.parent_id})
            .status());
    r.chain.push_back(n);
    made.push_back(n);
  }
  r.found = r.chain.size() == r.real.size() + 1;
  return made;
}

Result<FileStatus> FsService::Mkdirs(Caller& c, const Path& p, std::optional<int> perm, bool* created) {
  if (perm && (*perm < 0 || *perm > 07777)) return InvalidArgument("permission must be octal 0 to 7777");
  HOPS_RETURN_IF_ERROR(ValidateNewPath(p));
  FileStatus out;
  bool made_any = false;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    made_any = false;
    HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, true));
    Target(c, r.shown());
    if (r.found) {
      if (!r.target().dir) return AlreadyExists(r.shown() + " exists and is a file");
      out = StatusOf(r.target(), p.empty() ? "" : p.back(), r.share);
      return Status::Ok();  // mkdirs of an existing directory succeeds, as in HDFS
    }
    HOPS_RETURN_IF_ERROR(CreateMissingDirs(t, c, r, r.real.size(), perm).status());
    made_any = true;
    out = StatusOf(r.target(), p.back(), r.share);
    HOPS_RETURN_IF_ERROR(Prov(t, c, r, "mkdir", 1));
    return platform::RecordMutation(t, c.ctx);
  }));
  if (created) *created = made_any;
  return out;
}

Result<FileStatus> FsService::CreateDataset(Caller& c, const std::string& project, const std::string& name,
                                            std::optional<int> perm, std::optional<std::string> provenance) {
  HOPS_RETURN_IF_ERROR(ValidateName(name));
  if (perm && (*perm < 0 || *perm > 07777)) return InvalidArgument("permission must be octal 0 to 7777");
  std::optional<int> level;
  if (provenance) {
    HOPS_ASSIGN_OR_RETURN(level, ParseProvLevel(*provenance));
  }
  const Path p{"Projects", project, name};
  FileStatus out;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, true));
    Target(c, r.shown());
    if (r.found) return AlreadyExists("a dataset named '" + name + "' already exists");
    HOPS_RETURN_IF_ERROR(CreateMissingDirs(t, c, r, r.real.size(), perm).status());
    Inode& ds = r.chain.back();
    if (level && *level != ds.prov) {
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET prov = ? WHERE id = ?", {int64_t{*level}, ds.id}).status());
      ds.prov = *level;
    }
    out = StatusOf(ds, name, r.share);
    HOPS_RETURN_IF_ERROR(Prov(t, c, r, "mkdir", 1));
    return platform::RecordMutation(t, c.ctx);
  }));
  return out;
}

}  // namespace hops::fs
