// HopsFS: a hierarchical filesystem whose namespace lives in the metadata
// store. Inodes are rows keyed by (parent_id, name); every operation resolves
// its path inside its own transaction. Read-only calls may take directories on
// the way, and the caller's membership, from a cache, but only while the
// namespace epoch read in the same transaction is the one the cache was
// filled at (see BumpNamespaceEpoch).
// Small files live inline in the store; larger ones are blocks in a
// BlockStore, written first and published by one metadata transaction.
//
// Layout: /Projects/<project>/<dataset>/... Access follows the caller's role
// in the project (Data Owner, Data Scientist) and dataset shares; members of
// other projects see nothing (NOT_FOUND). A dataset shared with a project
// appears there as "<owner project>::<dataset>".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "fs/block_store.h"
#include "meta/store.h"
#include "platform/principal.h"
#include "services/common.h"

namespace hops::fs {

using Path = std::vector<std::string>;  // absolute, e.g. {"Projects", "demo", "Resources", "a.csv"}

struct Inode {
  int64_t id = 0, parent_id = 0;
  std::string name;
  bool dir = false;
  std::string owner, group;
  int perm = 0;
  int64_t size = 0, mtime_ms = 0, atime_ms = 0, block_size = 0;
  int replication = 0;
  bool inline_data = false;
  int64_t created_by = 0, children = 0;
  bool tracks = false;  // keeps ns_used/ds_used (project roots, quota directories)
  int64_t ns_quota = -1, ds_quota = -1, ns_used = 0, ds_used = 0;
  int prov = 0;  // datasets: 0 off, 1 state, 2 full
  std::string subtree_lock;
};

struct FileStatus {
  Inode inode;
  std::string name;          // as the caller sees it (a shared dataset: "<project>::<dataset>")
  std::string share;         // READ_ONLY / EDITABLE when reached through a share
  bool listed_self = false;  // List() of a file: the entry is the file itself
};

struct FsSettings {
  int64_t inline_max = 64 << 10;  // files up to this many bytes live in the store
  int64_t block_size = 64 << 20;
  int replication = 1;        // recorded; space quotas count size x replication
  int64_t gc_grace_s = 3600;  // unreferenced blocks younger than this are left alone
  int64_t xattr_max_per_inode = 32;
  int default_provenance = 1;  // for new datasets: 0 off, 1 state, 2 full
  std::string server_id;       // this server (platform/cluster): owner of its writes in flight and subtree locks
};

// Who is calling, and through which interface (for provenance).
struct Caller {
  platform::Context& ctx;
  std::string iface = "rest";
  std::string app_id;
};

using Source = std::function<Result<size_t>(char* buf, size_t n)>;  // 0 at the end
using Sink = std::function<Status(std::string_view bytes)>;

enum class WriteMode { kCreate, kOverwrite, kAppend };

struct Attrs {
  std::optional<int> perm;
  std::optional<std::string> owner, group;
  std::optional<int64_t> mtime_ms, atime_ms;
  std::optional<int> replication;
  std::optional<int64_t> ns_quota, ds_quota;  // -1 clears
  std::optional<std::string> provenance;      // off / state / full (datasets only)
};

struct Summary {
  int64_t files = 0, dirs = 0, bytes = 0, space_consumed = 0;
  int64_t ns_quota = -1, ds_quota = -1;
};

struct Block {
  std::string id;
  int64_t size = 0;
  std::string checksums;  // 8 bytes (XXH3-64, little endian) per kChunk of the block
};
constexpr size_t kChunk = 1 << 20;

// A file opened for reading: a snapshot of where its bytes are.
struct ReadPlan {
  FileStatus st;
  uint64_t offset = 0, length = 0;
  std::string inline_bytes;
  std::vector<Block> blocks;
  std::string path;
};

struct Share {
  std::string project, dataset, target, permission, shared_by;
  bool accepted = false;
  int64_t created_at = 0;
};

struct ProvEvent {
  int64_t seq = 0;
  std::string dataset, path, op, user, iface, app_id;
  int64_t at_ms = 0;
};
struct ProvFilter {
  std::string path_prefix, op;
  std::optional<int64_t> from_ms, to_ms;
  int limit = 100;
  std::optional<int64_t> after_seq;
};

struct GcReport {
  int64_t queued_deleted = 0, orphans_deleted = 0, trash_inodes_deleted = 0;
};

struct FsckReport {
  int64_t inodes = 0, files = 0, dirs = 0, blocks = 0, bytes = 0;
  std::vector<std::string> missing_blocks, corrupt_blocks, size_mismatches, orphan_inodes, usage_mismatches;
  std::vector<std::string> orphan_blocks;  // unreferenced block ids (older than the grace period)
  int64_t young_unreferenced_blocks = 0;   // likely uploads in flight
  int64_t trash_inodes = 0;
  int64_t repaired = 0;
  bool healthy() const {
    return missing_blocks.empty() && corrupt_blocks.empty() && size_mismatches.empty() && orphan_inodes.empty() &&
           usage_mismatches.empty() && orphan_blocks.empty();
  }
};

class FsService {
 public:
  FsService(meta::Store& store, BlockStore& blocks, FsSettings settings, const Clock* clock = Clock::Real());

  // Called once at start: clears subtree locks left by a crash and gives
  // every project a root directory.
  Status Recover();
  // Releases what the given servers left behind when they died: subtree
  // locks and the registrations of their writes in flight (whose blocks the
  // collector then deletes).
  Status CleanUpAfter(const std::vector<std::string>& servers);

  Result<FileStatus> Stat(Caller& c, const Path& p);
  Result<services::Page<FileStatus>> List(Caller& c, const Path& p, const services::PageRequest& page);
  // How many entries of a directory sort after `after` (for WebHDFS batches).
  Result<int64_t> CountAfter(Caller& c, const Path& p, const std::string& after);
  // created (when set): whether any directory was made (false: it existed).
  Result<FileStatus> Mkdirs(Caller& c, const Path& p, std::optional<int> perm, bool* created = nullptr);
  // A new dataset /Projects/<project>/<name> (Data Owners); ALREADY_EXISTS if taken.
  Result<FileStatus> CreateDataset(Caller& c, const std::string& project, const std::string& name,
                                   std::optional<int> perm, std::optional<std::string> provenance);
  // Streams `src` into the file; creates missing parents. The file appears
  // (or changes) only when all of it is durable.
  Result<FileStatus> Write(Caller& c, const Path& p, WriteMode mode, std::optional<int> perm, const Source& src);
  Result<ReadPlan> OpenRead(Caller& c, const Path& p, uint64_t offset, std::optional<uint64_t> length);
  // Sends the planned bytes; each chunk's checksum is verified before it is sent.
  // Whether the block store answers for the first block the plan reads:
  // a streamed download checks this before it sends its status line.
  Status CheckReadable(const ReadPlan& plan);
  Status ReadTo(const ReadPlan& plan, const Sink& sink);
  // dst_is_parent: move into dst when it is an existing directory (WebHDFS).
  Result<FileStatus> Rename(Caller& c, const Path& src, const Path& dst, bool into_existing_dir);
  Status Delete(Caller& c, const Path& p, bool recursive);
  Result<FileStatus> Copy(Caller& c, const Path& src, const Path& dst, bool overwrite);
  Result<FileStatus> SetAttrs(Caller& c, const Path& p, const Attrs& a);
  Result<Summary> ContentSummary(Caller& c, const Path& p);
  Result<std::string> Checksum(Caller& c, const Path& p);  // hex XXH3-128 of the content

  Result<std::map<std::string, std::string>> GetXattrs(Caller& c, const Path& p, const std::vector<std::string>& names);
  Status SetXattr(Caller& c, const Path& p, const std::string& name, const std::string& value, const std::string& flag);
  Status RemoveXattr(Caller& c, const Path& p, const std::string& name);

  Result<std::vector<Share>> ListShares(Caller& c, const std::string& project);
  Result<Share> ShareDataset(Caller& c, const std::string& project, const std::string& dataset,
                             const std::string& target, const std::string& permission);
  Result<Share> AcceptShare(Caller& c, const std::string& project, const std::string& owner_project,
                            const std::string& dataset);
  Status Unshare(Caller& c, const std::string& project, const std::string& other, const std::string& dataset);

  Result<std::vector<ProvEvent>> Provenance(Caller& c, const std::string& project, const ProvFilter& f);

  // Background work, also run by admins on demand.
  Result<GcReport> CollectGarbage();
  Result<FsckReport> Fsck(bool repair, bool verify_checksums);
  // Deletes detached subtrees in batches; stops after budget_ms.
  Result<int64_t> DrainTrash(int64_t budget_ms);

  const FsSettings& settings() const { return settings_; }

 private:
  struct Resolved;
  enum class Need { kRead, kWrite, kModify, kAdmin };

  // for_write: refuse paths under a subtree lock. cached: directories before
  // the last component may come from the directory cache (read-only calls).
  // inline_out: also fetch the target's inline bytes in the same lookup.
  Result<Resolved> Resolve(meta::Txn& t, Caller& c, const Path& p, bool for_write, bool cached = false,
                           std::optional<std::string>* inline_out = nullptr);
  // A read-only call whose membership and directories are all in the cache:
  // the target (with its inline bytes when inline_out is given) and the
  // namespace epoch in one statement, with no transaction around it. False
  // when the cache cannot answer (then Resolve in a transaction).
  Result<bool> ResolveInOneStatement(Caller& c, const Path& p, Resolved& r, std::optional<std::string>* inline_out);
  Status Check(Caller& c, const Resolved& r, Need need, const Inode* subject);
  Status RequireOwnSubtree(meta::Txn& t, Caller& c, const Resolved& r, const Inode& n);
  Result<Resolved> ResolveXattrTarget(meta::Txn& t, Caller& c, const Path& p);
  Status Prov(meta::Txn& t, Caller& c, const Resolved& r, const std::string& op, int min_level);
  Status DeleteFileRows(meta::Txn& t, int64_t inode_id);
  Result<std::vector<Inode>> CreateMissingDirs(meta::Txn& t, Caller& c, Resolved& r, size_t upto,
                                               std::optional<int> perm);
  struct Expect {
    int64_t size = 0, mtime_ms = 0;
  };
  Result<FileStatus> PublishWrite(Caller& c, const Path& p, WriteMode mode, std::optional<int> perm, int64_t size,
                                  const std::string* inline_bytes, const std::vector<Block>& blocks,
                                  std::optional<Expect> expect);
  Status DeleteDetached(Caller& c, const Path& p, bool recursive);
  int64_t NowMs() const { return clock_->NowMicros() / 1000; }

  meta::Store& store_;
  BlockStore& blocks_;
  FsSettings settings_;
  const Clock* clock_;

  // A caller's membership of a project, with the project's root directory.
  struct Member {
    int64_t project_id = 0;
    std::string project, role;
    std::optional<Inode> root;
  };
  // Directory lookups (parent id, name) -> inode and memberships (user id,
  // project) -> Member, valid for one namespace epoch (see migration 3):
  // read-only calls skip the lookups that no rename, delete or change of
  // members has touched since. Never holds files, a call's target, or misses.
  struct DirCache {
    std::shared_mutex mu;
    int64_t epoch = -1;
    std::unordered_map<std::string, Inode> dirs;
    std::unordered_map<std::string, Member> members;
  };
  DirCache cache_;
  std::optional<Inode> CachedDir(int64_t epoch, int64_t parent, const std::string& name);
  void CacheDir(int64_t epoch, const Inode& dir);
  std::optional<Member> CachedMember(int64_t epoch, int64_t user_id, const std::string& project_key);
  void CacheMember(int64_t epoch, int64_t user_id, const std::string& project_key, const Member& m);
  bool CacheAt(int64_t epoch);  // moves an emptied cache to a newer epoch; false for an older one (mu held)
};

// Marks the namespace changed for every process's lookup cache: call in any
// transaction that renames or deletes a directory, changes a dataset's
// provenance level, or changes who is a member of a project and in what role.
Status BumpNamespaceEpoch(meta::Txn& t);

// Project lifecycle, called inside the projects service's transactions.
Status CreateProjectRoot(meta::Txn& t, const std::string& project, const std::string& owner, int64_t storage_limit,
                         int64_t namespace_limit, int64_t now_ms, int provenance);
// Detaches the project's tree into the trash (deleted later in batches) and
// drops every share of or to it.
Status DetachProjectRoot(meta::Txn& t, int64_t project_id, const std::string& project);
Status SetProjectRootQuota(meta::Txn& t, const std::string& project, int64_t storage_limit, int64_t namespace_limit);
// {bytes, entries} in use under the project's root.
Result<std::pair<int64_t, int64_t>> ProjectUsage(meta::Txn& t, const std::string& project);

const char* ProvLevelName(int level);
// "off", "state" or "full" -> 0, 1, 2.
Result<int> ParseProvLevel(const std::string& name);

}  // namespace hops::fs
