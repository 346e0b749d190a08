// Helpers shared by the HopsFS implementation files (not a public API).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fs/fs.h"
#include "fs/path.h"

namespace hops::fs {

constexpr int64_t kRootId = 1, kProjectsId = 2, kTrashId = 3;

#define HOPS_INODE_COLS(p)                                                                                        \
  p "id, " p "parent_id, " p "name, " p "is_dir, " p "owner, " p "grp, " p "perm, " p "size, " p "mtime, " p      \
    "atime, " p "block_size, " p "replication, " p "inline_data, " p "created_by, " p "children, " p "tracks, " p \
    "ns_quota, " p "ds_quota, " p "ns_used, " p "ds_used, " p "prov, " p "subtree_lock"
constexpr const char* kInodeCols = HOPS_INODE_COLS("");
constexpr const char* kInodeColsI = HOPS_INODE_COLS("i.");

constexpr size_t kInodeColCount = 22;
Inode InodeFrom(const meta::Row& r);
Result<std::optional<Inode>> ChildOf(meta::Txn& t, int64_t parent, const std::string& name);
Result<std::optional<Inode>> InodeById(meta::Txn& t, int64_t id);

struct Totals {
  int64_t entries = 0, files = 0, dirs = 0, bytes = 0, space = 0;
};
Result<Totals> SubtreeTotals(meta::Txn& t, int64_t id);

// A change of usage on one usage-tracking directory.
struct Charge {
  Inode inode;
  std::string path;
  int64_t ns = 0, space = 0;
};
// Adds (ns, space) to every tracking directory among chain[0..count).
void AddCharges(std::map<int64_t, Charge>& m, const std::vector<Inode>& chain, size_t count, int64_t ns, int64_t space);
// Checks increases against the quotas, then applies all changes.
Status ApplyCharges(meta::Txn& t, const std::map<int64_t, Charge>& charges);
std::string PathOfChain(const std::vector<Inode>& chain, size_t upto);
Status QueueBlocksForGc(meta::Txn& t, int64_t inode_id, int64_t now_ms);
Status NoSuchPath(const std::string& path);

struct FsService::Resolved {
  Path real;                 // the path after a share alias is replaced by the dataset's own path
  std::vector<Inode> chain;  // chain[0] is '/', chain[i] is real[i-1]
  bool found = false;        // chain covers all of real
  int64_t project_id = 0;    // the project that owns the data
  std::string project;
  std::string role;   // the caller's role in the project named in the path
  std::string share;  // READ_ONLY / EDITABLE when reached through a share
  std::string alias;  // "<project>::<dataset>" for a share

  const Inode& target() const { return chain.back(); }
  const Inode* dataset() const { return chain.size() > 3 ? &chain[3] : nullptr; }
  // The parent of the last component exists (the target itself may not).
  bool parent_found() const { return chain.size() >= real.size(); }
  std::string rel() const { return JoinPath(real, 2); }  // project-relative
  std::string abs() const { return JoinPath(real); }
  std::string shown() const {  // as the caller named it
    if (alias.empty()) return abs();
    Path p = real;
    p[1] = caller_project;
    p[2] = alias;
    return JoinPath(p);
  }
  std::string caller_project;
};

// 8-byte little-endian XXH3-64 per kChunk of data.
std::string ChunkChecksum(const char* data, size_t n);

}  // namespace hops::fs
