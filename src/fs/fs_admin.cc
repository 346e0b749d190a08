// HopsFS maintenance: project roots, recovery at start, batched deletion of
// detached subtrees, block garbage collection and fsck.
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include "core/log.h"
#include "fs/fs.h"
#include "fs/fs_internal.h"
#include "fs/path.h"

namespace hops::fs {
namespace {

struct DefaultDataset {
  const char* suffix;  // appended to "<project>" when it starts with '_'
  int perm;
};
// Hopsworks' datasets of a new project. Group-writable ones take Data
// Scientists' files; the others only Data Owners', until a Data Owner
// changes the permission.
constexpr DefaultDataset kDefaults[] = {
    {"Logs", 0770},   {"Resources", 0770},      {"Jupyter", 0770},    {"Experiments", 0770},
    {"Models", 0750}, {"DataValidation", 0750}, {"Statistics", 0750}, {"_Training_Datasets", 0750},
};

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status CreateProjectRoot(meta::Txn& t, const std::string& project, const std::string& owner, int64_t storage_limit,
                         int64_t namespace_limit, int64_t now_ms, int provenance) {
  const int64_t n = static_cast<int64_t>(std::size(kDefaults));
  HOPS_ASSIGN_OR_RETURN(
      int64_t root, t.Insert("INSERT INTO inodes (parent_id, name, is_dir, owner, grp, perm, mtime, atime, children, "
                             "tracks, ns_quota, ds_quota, ns_used) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                             {kProjectsId, project, owner, project, int64_t{0750}, now_ms, now_ms, n, namespace_limit,
                              storage_limit, n + 1}));
  HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET children = children + 1 WHERE id = ?", {kProjectsId}).status());
  for (const auto& d : kDefaults) {
    std::string name = d.suffix[0] == '_' ? project + d.suffix : d.suffix;
    HOPS_RETURN_IF_ERROR(t.Insert("INSERT INTO inodes (parent_id, name, is_dir, owner, grp, perm, mtime, atime, prov) "
                                  "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)",
                                  {root, name, owner, project, int64_t{d.perm}, now_ms, now_ms, int64_t{provenance}})
                             .status());
  }
  return Status::Ok();
}

Status DetachProjectRoot(meta::Txn& t, int64_t project_id, const std::string& project) {
  HOPS_RETURN_IF_ERROR(
      t.Exec("DELETE FROM fs_shares WHERE src_project = ? OR dst_project = ?", {project_id, project_id}).status());
  HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM fs_provenance WHERE project_id = ?", {project_id}).status());
  HOPS_ASSIGN_OR_RETURN(auto root, ChildOf(t, kProjectsId, project));
  if (!root) return Status::Ok();
  HOPS_RETURN_IF_ERROR(BumpNamespaceEpoch(t));
  HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET parent_id = ?, name = ?, subtree_lock = NULL WHERE id = ?",
                              {kTrashId, "i" + std::to_string(root->id), root->id})
                           .status());
  HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET children = children - 1 WHERE id = ?", {kProjectsId}).status());
  return t.Exec("UPDATE inodes SET children = children + 1 WHERE id = ?", {kTrashId}).status();
}

Status SetProjectRootQuota(meta::Txn& t, const std::string& project, int64_t storage_limit, int64_t namespace_limit) {
  return t
      .Exec("UPDATE inodes SET ds_quota = ?, ns_quota = ? WHERE parent_id = ? AND name = ?",
            {storage_limit, namespace_limit, kProjectsId, project})
      .status();
}

Result<std::pair<int64_t, int64_t>> ProjectUsage(meta::Txn& t, const std::string& project) {
  HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT ds_used, ns_used FROM inodes WHERE parent_id = ? AND name = ?",
                                             {kProjectsId, project}));
  if (!row) return std::pair<int64_t, int64_t>{0, 0};
  return std::pair<int64_t, int64_t>{row->Int(0), row->Int(1)};
}

Status FsService::CleanUpAfter(const std::vector<std::string>& servers) {
  if (servers.empty()) return Status::Ok();
  return store_.Write([&](meta::Txn& t) -> Status {
    int64_t locks = 0, uploads = 0;
    for (const auto& id : servers) {
      // Subtree locks are "<server id>:<token>"; "" stands for writes from before servers had ids.
      HOPS_ASSIGN_OR_RETURN(int64_t n, t.Exec(id.empty() ? "UPDATE inodes SET subtree_lock = NULL WHERE subtree_lock "
                                                           "NOT LIKE '%:%' OR subtree_lock LIKE ':%'"
                                                         : "UPDATE inodes SET subtree_lock = NULL WHERE subtree_lock "
                                                           "LIKE ?",
                                              id.empty() ? meta::Params{} : meta::Params{id + ":%"}));
      locks += n;
      HOPS_ASSIGN_OR_RETURN(int64_t u, t.Exec("DELETE FROM fs_uploads WHERE server_id = ?", {id}));
      uploads += u;
    }
    if (locks > 0 || uploads > 0)
      log::Warn("fs.cleaned_up_after_dead_servers", {{"subtree_locks", std::to_string(locks)},
                                                     {"writes_in_flight", std::to_string(uploads)}});
    return Status::Ok();
  });
}

Status FsService::Recover() {
  // What this server's previous run left (it crashed, or it stopped while a
  // write was in flight) is released now; other servers' state is theirs
  // until their heartbeat lapses (see CleanUpAfter).
  HOPS_RETURN_IF_ERROR(CleanUpAfter({settings_.server_id, ""}));
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query("SELECT p.name, u.username, q.storage_bytes_limit, q.namespace_limit "
                                             "FROM projects p JOIN users u ON u.id = p.owner_id "
                                             "JOIN project_quotas q ON q.project_id = p.id"));
    for (const auto& r : rows) {
      HOPS_ASSIGN_OR_RETURN(auto root, ChildOf(t, kProjectsId, r.Str(0)));
      if (root) continue;
      HOPS_RETURN_IF_ERROR(
          CreateProjectRoot(t, r.Str(0), r.Str(1), r.Int(2), r.Int(3), NowMs(), settings_.default_provenance));
      log::Info("fs.project_root_created", {{"project", r.Str(0)}});
    }
    return Status::Ok();
  });
}

Result<int64_t> FsService::DrainTrash(int64_t budget_ms) {
  const int64_t deadline = SteadyMs() + budget_ms;
  int64_t deleted = 0;
  std::vector<int64_t> stack{kTrashId};
  while (!stack.empty() && SteadyMs() < deadline) {
    int64_t dir = stack.back();
    std::vector<int64_t> push;
    bool emptied = false;
    HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
      push.clear();
      emptied = false;
      int64_t n = 0;
      HOPS_ASSIGN_OR_RETURN(auto rows,
                            t.Query("SELECT id, is_dir, children FROM inodes WHERE parent_id = ? LIMIT 1000", {dir}));
      for (const auto& r : rows) {
        if (r.Int(1) != 0 && r.Int(2) > 0) {
          push.push_back(r.Int(0));
          continue;
        }
        HOPS_RETURN_IF_ERROR(DeleteFileRows(t, r.Int(0)));
        ++n;
      }
      if (n > 0)
        HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET children = children - ? WHERE id = ?", {n, dir}).status());
      if (rows.empty() && dir != kTrashId) {
        HOPS_ASSIGN_OR_RETURN(auto self, InodeById(t, dir));
        if (self) {
          HOPS_RETURN_IF_ERROR(DeleteFileRows(t, dir));
          HOPS_RETURN_IF_ERROR(
              t.Exec("UPDATE inodes SET children = children - 1 WHERE id = ?", {self->parent_id}).status());
          ++n;
        }
        emptied = true;
      } else if (rows.empty()) {
        emptied = true;
      }
      deleted += n;
      return Status::Ok();
    }));
    if (emptied) {
      stack.pop_back();
    } else {
      for (int64_t id : push) stack.push_back(id);
    }
  }
  return deleted;
}

Result<GcReport> FsService::CollectGarbage() {
  GcReport rep;
  HOPS_ASSIGN_OR_RETURN(rep.trash_inodes_deleted, DrainTrash(60000));
  // Blocks of deleted or overwritten files: delete the bytes, then forget them.
  for (;;) {
    std::vector<std::string> ids;
    HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
      ids.clear();
      // Old versions stay for the grace period: downloads that started before
      // an overwrite or delete may still be reading them.
      HOPS_ASSIGN_OR_RETURN(auto rows, t.Query("SELECT block_id FROM fs_block_gc WHERE queued_at <= ? "
                                               "ORDER BY block_id LIMIT 500",
                                               {NowMs() - settings_.gc_grace_s * 1000}));
      for (const auto& r : rows) ids.push_back(r.Str(0));
      return Status::Ok();
    }));
    if (ids.empty()) break;
    for (const auto& id : ids) HOPS_RETURN_IF_ERROR(blocks_.Delete(id));
    HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
      for (const auto& id : ids)
        HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM fs_block_gc WHERE block_id = ?", {id}).status());
      return Status::Ok();
    }));
    rep.queued_deleted += static_cast<int64_t>(ids.size());
  }
  // Blocks that no file references (failed or crashed writes), once they are
  // older than the grace period that protects writes in flight.
  const int64_t cutoff_us = clock_->NowMicros() - settings_.gc_grace_s * 1000000;
  std::vector<std::string> old;
  HOPS_RETURN_IF_ERROR(blocks_.List([&](const BlockInfo& b) {
    if (b.mtime_us <= cutoff_us) old.push_back(b.id);
  }));
  for (size_t i = 0; i < old.size(); i += 200) {
    std::vector<std::string> orphans;
    HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
      orphans.clear();
      for (size_t j = i; j < std::min(old.size(), i + 200); ++j) {
        HOPS_ASSIGN_OR_RETURN(auto ref, t.QueryOne("SELECT 1 FROM fs_blocks WHERE block_id = ? UNION ALL "
                                                   "SELECT 1 FROM fs_uploads WHERE block_id = ? UNION ALL "
                                                   "SELECT 1 FROM fs_block_gc WHERE block_id = ?",
                                                   {old[j], old[j], old[j]}));
        if (!ref) orphans.push_back(old[j]);
      }
      return Status::Ok();
    }));
    for (const auto& id : orphans) HOPS_RETURN_IF_ERROR(blocks_.Delete(id));
    rep.orphans_deleted += static_cast<int64_t>(orphans.size());
  }
  if (rep.queued_deleted || rep.orphans_deleted || rep.trash_inodes_deleted)
    log::Info("fs.gc", {{"queued_deleted", std::to_string(rep.queued_deleted)},
                        {"orphans_deleted", std::to_string(rep.orphans_deleted)},
                        {"trash_inodes_deleted", std::to_string(rep.trash_inodes_deleted)}});
  return rep;
}

Result<FsckReport> FsService::Fsck(bool repair, bool verify_checksums) {
  FsckReport rep;
  // 1. The namespace: every inode must hang from '/' (or the trash).
  std::unordered_map<int64_t, int64_t> parent;
  std::unordered_map<int64_t, std::string> names;
  std::vector<Inode> files, tracking;
  int64_t after = 0;
  for (;;) {
    size_t got = 0;
    HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
      HOPS_ASSIGN_OR_RETURN(
          auto rows,
          t.Query(std::string("SELECT ") + kInodeCols + " FROM inodes WHERE id > ? ORDER BY id LIMIT 5000", {after}));
      got = rows.size();
      for (const auto& r : rows) {
        Inode n = InodeFrom(r);
        after = n.id;
        parent[n.id] = n.parent_id;
        names[n.id] = n.name;
        if (!n.dir) files.push_back(n);
        if (n.tracks) tracking.push_back(n);
      }
      return Status::Ok();
    }));
    if (got == 0) break;
  }
  rep.inodes = static_cast<int64_t>(parent.size());
  // 0 unknown, 1 reachable from '/', 2 in the trash, 3 orphan
  std::unordered_map<int64_t, int> state;
  state[kRootId] = 1;
  state[kTrashId] = 2;
  auto path_of = [&](int64_t id) {
    std::string p;
    for (int guard = 0; id != kRootId && guard < 1000; ++guard) {
      auto it = names.find(id);
      if (it == names.end()) return "<orphan>" + p;
      p = "/" + it->second + p;
      id = parent[id];
    }
    return p.empty() ? std::string("/") : p;
  };
  std::vector<int64_t> orphan_ids;
  for (const auto& [id, par] : parent) {
    std::vector<int64_t> walk;
    int64_t cur = id;
    int s = 0;
    for (int guard = 0; guard < 100000; ++guard) {
      auto it = state.find(cur);
      if (it != state.end()) {
        s = it->second;
        break;
      }
      walk.push_back(cur);
      auto p = parent.find(cur);
      if (p == parent.end() || p->second == cur) {
        s = 3;
        break;
      }
      cur = p->second;
    }
    if (s == 0) s = 3;  // a cycle
    for (int64_t w : walk) state[w] = s;
  }
  for (const auto& [id, s] : state) {
    if (s == 2 && id != kTrashId) rep.trash_inodes++;
    if (s == 3 && parent.count(id)) {
      rep.orphan_inodes.push_back("inode " + std::to_string(id) + " (" + names[id] + ") has no path to '/'");
      orphan_ids.push_back(id);
    }
  }
  // 2. Files and their data.
  std::unordered_set<std::string> referenced;
  std::vector<int64_t> broken_files;
  for (size_t i = 0; i < files.size(); i += 500) {
    HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
      for (size_t j = i; j < std::min(files.size(), i + 500); ++j) {
        // The inode is read again in the transaction that reads its data, so
        // a write that landed since the namespace pass is seen whole.
        HOPS_ASSIGN_OR_RETURN(auto fresh, InodeById(t, files[j].id));
        if (!fresh || fresh->dir) continue;
        const Inode& f = *fresh;
        bool live = state[f.id] == 1;
        if (live) {
          rep.files++;
          rep.bytes += f.size;
        }
        if (f.inline_data) {
          HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT LENGTH(data) FROM fs_inline WHERE inode_id = ?", {f.id}));
          if (!row || row->Int(0) != f.size) {
            rep.size_mismatches.push_back(path_of(f.id) + ": inline data " +
                                          (row ? std::to_string(row->Int(0)) + " bytes" : std::string("missing")) +
                                          ", inode says " + std::to_string(f.size));
            broken_files.push_back(f.id);
          }
          continue;
        }
        HOPS_ASSIGN_OR_RETURN(auto rows, t.Query("SELECT block_id, size, checksums FROM fs_blocks WHERE inode_id = ? "
                                                 "ORDER BY idx",
                                                 {f.id}));
        int64_t sum = 0;
        bool bad = false;
        for (const auto& r : rows) {
          std::string id = r.Str(0);
          referenced.insert(id);
          rep.blocks++;
          sum += r.Int(1);
          auto sz = blocks_.Size(id);
          if (!sz.ok() || static_cast<int64_t>(*sz) != r.Int(1)) {
            rep.missing_blocks.push_back(
                path_of(f.id) + ": block " + id +
                (sz.ok() ? " has " + std::to_string(*sz) + " bytes, expected " + std::to_string(r.Int(1))
                         : " is missing"));
            bad = true;
            continue;
          }
          if (verify_checksums) {
            std::string sums = r.Str(2), chunk(kChunk, '\0');
            for (int64_t off = 0, ci = 0; off < r.Int(1); off += kChunk, ++ci) {
              size_t len = static_cast<size_t>(std::min<int64_t>(kChunk, r.Int(1) - off));
              auto got = blocks_.ReadAt(id, static_cast<uint64_t>(off), chunk.data(), len);
              if (!got.ok() || *got != len ||
                  ChunkChecksum(chunk.data(), len) != sums.substr(static_cast<size_t>(ci) * 8, 8)) {
                rep.corrupt_blocks.push_back(path_of(f.id) + ": block " + id + " fails its checksum at offset " +
                                             std::to_string(off));
                bad = true;
                break;
              }
            }
          }
        }
        if (sum != f.size) {
          rep.size_mismatches.push_back(path_of(f.id) + ": blocks hold " + std::to_string(sum) + " bytes, inode says " +
                                        std::to_string(f.size));
          bad = true;
        }
        if (bad) broken_files.push_back(f.id);
      }
      return Status::Ok();
    }));
  }
  rep.dirs = 0;
  for (const auto& [id, s] : state)
    if (s == 1) rep.dirs++;
  rep.dirs -= rep.files;
  // 3. Blocks nobody references.
  std::unordered_set<std::string> queued;  // waiting for the collector, or written right now
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query("SELECT block_id FROM fs_block_gc UNION ALL SELECT block_id FROM fs_uploads"));
    for (const auto& r : rows) queued.insert(r.Str(0));
    return Status::Ok();
  }));
  const int64_t cutoff_us = clock_->NowMicros() - settings_.gc_grace_s * 1000000;
  std::vector<std::string> orphan_blocks;
  HOPS_RETURN_IF_ERROR(blocks_.List([&](const BlockInfo& b) {
    if (referenced.count(b.id) || queued.count(b.id)) return;
    if (b.mtime_us > cutoff_us) {
      rep.young_unreferenced_blocks++;
      return;
    }
    orphan_blocks.push_back(b.id);
  }));
  rep.orphan_blocks = orphan_blocks;
  // 4. Usage counters of project roots and quota directories.
  struct Fix {
    int64_t id, ns, ds;
  };
  std::vector<Fix> usage_fixes;
  for (const auto& d : tracking) {
    if (state[d.id] != 1) continue;
    HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
      HOPS_ASSIGN_OR_RETURN(Totals tot, SubtreeTotals(t, d.id));
      HOPS_ASSIGN_OR_RETURN(auto now, InodeById(t, d.id));
      if (now && (now->ns_used != tot.entries || now->ds_used != tot.space)) {
        rep.usage_mismatches.push_back(path_of(d.id) + ": usage says " + std::to_string(now->ns_used) + " entries / " +
                                       std::to_string(now->ds_used) + " bytes, the tree has " +
                                       std::to_string(tot.entries) + " / " + std::to_string(tot.space));
        usage_fixes.push_back(Fix{d.id, tot.entries, tot.space});
      }
      return Status::Ok();
    }));
  }
  if (repair) {
    // Unreferenced blocks are checked again right before they go: a write
    // may have published one since the scan.
    std::vector<std::string> gone;
    HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
      gone.clear();
      for (const auto& id : orphan_blocks) {
        HOPS_ASSIGN_OR_RETURN(auto ref, t.QueryOne("SELECT 1 FROM fs_blocks WHERE block_id = ? UNION ALL "
                                                   "SELECT 1 FROM fs_uploads WHERE block_id = ? UNION ALL "
                                                   "SELECT 1 FROM fs_block_gc WHERE block_id = ?",
                                                   {id, id, id}));
        if (!ref) gone.push_back(id);
      }
      return Status::Ok();
    }));
    for (const auto& id : gone) {
      HOPS_RETURN_IF_ERROR(blocks_.Delete(id));
      rep.repaired++;
    }
    HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
      HOPS_RETURN_IF_ERROR(BumpNamespaceEpoch(t));
      // Orphaned and broken entries go to the trash, which deletes them.
      for (int64_t id : orphan_ids) {
        if (state[parent[id]] == 3) continue;  // its orphaned parent takes it along
        HOPS_RETURN_IF_ERROR(
            t.Exec("UPDATE inodes SET parent_id = ?, name = ? WHERE id = ?", {kTrashId, "i" + std::to_string(id), id})
                .status());
      }
      for (int64_t id : broken_files) {
        // Only what is still broken now: a concurrent overwrite may have fixed it.
        HOPS_ASSIGN_OR_RETURN(auto f, InodeById(t, id));
        if (!f || f->dir || f->parent_id == kTrashId) continue;
        HOPS_ASSIGN_OR_RETURN(auto have, t.QueryOne(f->inline_data
                                                        ? "SELECT LENGTH(data) FROM fs_inline WHERE inode_id = ?"
                                                        : "SELECT SUM(size) FROM fs_blocks WHERE inode_id = ?",
                                                    {id}));
        bool size_ok = have && !have->IsNull(0) ? have->Int(0) == f->size : (f->size == 0 && !f->inline_data);
        bool blocks_ok = true;
        if (!f->inline_data) {
          HOPS_ASSIGN_OR_RETURN(auto ids, t.Query("SELECT block_id, size FROM fs_blocks WHERE inode_id = ?", {id}));
          for (const auto& b : ids) {
            auto sz = blocks_.Size(b.Str(0));
            if (!sz.ok() || static_cast<int64_t>(*sz) != b.Int(1)) blocks_ok = false;
            for (const auto& c : rep.corrupt_blocks)
              if (c.find(b.Str(0)) != std::string::npos) blocks_ok = false;
          }
        }
        if (size_ok && blocks_ok) continue;
        HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET children = children - 1 WHERE id = ?", {f->parent_id}).status());
        HOPS_RETURN_IF_ERROR(
            t.Exec("UPDATE inodes SET parent_id = ?, name = ? WHERE id = ?", {kTrashId, "i" + std::to_string(id), id})
                .status());
      }
      // Usage is recounted after the moves above.
      for (const auto& d : tracking) {
        if (state[d.id] != 1) continue;
        HOPS_ASSIGN_OR_RETURN(Totals tot, SubtreeTotals(t, d.id));
        HOPS_RETURN_IF_ERROR(
            t.Exec("UPDATE inodes SET ns_used = ?, ds_used = ? WHERE id = ?", {tot.entries, tot.space, d.id}).status());
      }
      HOPS_ASSIGN_OR_RETURN(auto cnt, t.QueryOne("SELECT COUNT(*) FROM inodes WHERE parent_id = ?", {kTrashId}));
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET children = ? WHERE id = ?", {cnt->Int(0), kTrashId}).status());
      return Status::Ok();
    }));
    rep.repaired += static_cast<int64_t>(orphan_ids.size() + broken_files.size() + usage_fixes.size());
    HOPS_RETURN_IF_ERROR(CollectGarbage().status());
    // Broken files were counted before the repair removed them; fixed usage
    // shows on the next run.
  }
  return rep;
}

}  // namespace hops::fs
