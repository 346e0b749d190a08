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
Inode InodeFrom(const meta::RowView& r);
// Where each inode field is in a row (-1: not selected, the field keeps its
// default). kFullRow is kInodeCols; kListedRow is HOPS_LISTED_COLS, what a
// directory listing shows of each entry (FileStatus as listed): it leaves out
// the parent, creator, quotas and usage and the subtree lock, so a listing
// reads 14 columns instead of 22.
struct InodeLayout {
  int id, parent_id, name, dir, owner, group, perm, size, mtime, atime, block_size, replication, inline_data,
      created_by, children, tracks, ns_quota, ds_quota, ns_used, ds_used, prov, subtree_lock;
};
constexpr InodeLayout kFullRow{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21};
#define HOPS_LISTED_COLS(p)                                                                                      \
  p "id, " p "name, " p "is_dir, " p "owner, " p "grp, " p "perm, " p "size, " p "mtime, " p "atime, " p         \
    "block_size, " p "replication, " p "inline_data, " p "children, " p "prov"
constexpr InodeLayout kListedRow{0, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -1, 12, -1, -1, -1, -1, -1, 13, -1};

// Fills n from a row, collected (meta::Row) or read in place (meta::RowView).
template <class R>
void FillInode(const R& r, const InodeLayout& at, Inode& n) {
  auto num = [&](int col, int64_t& out) {
    if (col >= 0) out = r.Int(static_cast<size_t>(col));
  };
  auto small = [&](int col, int& out) {
    if (col >= 0) out = static_cast<int>(r.Int(static_cast<size_t>(col)));
  };
  auto flag = [&](int col, bool& out) {
    if (col >= 0) out = r.Int(static_cast<size_t>(col)) != 0;
  };
  auto text = [&](int col, std::string& out) {
    if (col >= 0) out.assign(r.Str(static_cast<size_t>(col)));
  };
  num(at.id, n.id), num(at.parent_id, n.parent_id), text(at.name, n.name), flag(at.dir, n.dir);
  text(at.owner, n.owner), text(at.group, n.group), small(at.perm, n.perm), num(at.size, n.size);
  num(at.mtime, n.mtime_ms), num(at.atime, n.atime_ms), num(at.block_size, n.block_size);
  small(at.replication, n.replication), flag(at.inline_data, n.inline_data), num(at.created_by, n.created_by);
  num(at.children, n.children), flag(at.tracks, n.tracks), num(at.ns_quota, n.ns_quota);
  num(at.ds_quota, n.ds_quota), num(at.ns_used, n.ns_used), num(at.ds_used, n.ds_used), small(at.prov, n.prov);
  text(at.subtree_lock, n.subtree_lock);
}
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
