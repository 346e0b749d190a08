// HopsFS data path: streaming writes (inline or blocks), publication in one
// metadata transaction, verified reads, checksums and copies.
#include <xxhash.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/crypto.h"
#include "fs/fs.h"
#include "fs/fs_internal.h"
#include "fs/path.h"
#include "platform/audit.h"

namespace hops::fs {

std::string ChunkChecksum(const char* data, size_t n) {
  uint64_t h = XXH3_64bits(data, n);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((h >> (8 * i)) & 0xff);
  return out;
}

namespace {

// Writes a stream as blocks of at most block_size bytes, with a checksum per
// chunk. Blocks not released (published) are deleted when it goes away.
class BlockSink {
 public:
  // Every block is registered in fs_uploads before its file exists, so the
  // collector never takes it for garbage while the write is in flight; the
  // publishing transaction (or this sink, on failure) removes the rows.
  BlockSink(BlockStore& store, meta::Store& meta, int64_t block_size, int64_t now_ms, const std::string& server_id)
      : store_(store),
        meta_(meta),
        server_id_(server_id),
        block_size_(static_cast<uint64_t>(block_size)),
        now_ms_(now_ms),
        chunk_buf_(static_cast<char*>(std::aligned_alloc(4096, kChunk))) {}
  ~BlockSink() {
    std::free(chunk_buf_);
    writer_.reset();
    if (released_) return;
    std::vector<std::string> ids;
    for (const auto& b : done_) ids.push_back(b.id);
    if (!cur_.id.empty()) ids.push_back(cur_.id);
    if (ids.empty()) return;
    // Only blocks no file references go: when the publishing transaction's
    // outcome was unknown (a connection lost during COMMIT), it may have
    // committed after all. If the store cannot be asked, the blocks stay for
    // the collector (they are registered in fs_uploads).
    std::vector<std::string> garbage;
    Status st = meta_.Write([&](meta::Txn& t) -> Status {
      garbage.clear();
      for (const auto& id : ids) {
        HOPS_ASSIGN_OR_RETURN(auto used, t.QueryOne("SELECT 1 FROM fs_blocks WHERE block_id = ?", {id}));
        if (used) continue;
        HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM fs_uploads WHERE block_id = ?", {id}).status());
        garbage.push_back(id);
      }
      return Status::Ok();
    });
    if (st.ok())
      for (const auto& id : garbage) (void)store_.Delete(id);
  }

  Status Write(std::string_view data) {
    while (!data.empty()) {
      if (!writer_) HOPS_RETURN_IF_ERROR(Open());
      size_t room = std::min<uint64_t>(block_size_ - cur_.size, kChunk - chunk_len_);
      size_t n = std::min(room, data.size());
      std::memcpy(chunk_buf_ + chunk_len_, data.data(), n);
      chunk_len_ += n;
      cur_.size += static_cast<int64_t>(n);
      data.remove_prefix(n);
      if (chunk_len_ == kChunk || static_cast<uint64_t>(cur_.size) == block_size_) HOPS_RETURN_IF_ERROR(FlushChunk());
      if (static_cast<uint64_t>(cur_.size) == block_size_) HOPS_RETURN_IF_ERROR(Close());
    }
    return Status::Ok();
  }

  Result<std::vector<Block>> Finish() {
    if (writer_) {
      HOPS_RETURN_IF_ERROR(FlushChunk());
      HOPS_RETURN_IF_ERROR(Close());
    }
    return done_;
  }
  void Release() { released_ = true; }

 private:
  Status Open() {
    std::string id = crypto::Hex(crypto::RandomBytes(16));
    HOPS_RETURN_IF_ERROR(meta_.Write([&](meta::Txn& t) {
      return t.Exec("INSERT INTO fs_uploads (block_id, started_at, server_id) VALUES (?, ?, ?)",
                    {id, now_ms_, server_id_})
          .status();
    }));
    cur_ = Block{id, 0, ""};
    HOPS_ASSIGN_OR_RETURN(writer_, store_.Create(cur_.id));
    return Status::Ok();
  }
  Status FlushChunk() {
    if (chunk_len_ == 0) return Status::Ok();
    cur_.checksums += ChunkChecksum(chunk_buf_, chunk_len_);
    HOPS_RETURN_IF_ERROR(writer_->Append(std::string_view(chunk_buf_, chunk_len_)));
    chunk_len_ = 0;
    return Status::Ok();
  }
  Status Close() {
    Status st = writer_->Finish();
    writer_.reset();
    if (!st.ok()) return st;
    done_.push_back(std::move(cur_));
    cur_ = Block{};
    return Status::Ok();
  }

  BlockStore& store_;
  meta::Store& meta_;
  const std::string& server_id_;
  uint64_t block_size_;
  int64_t now_ms_;
  std::unique_ptr<BlockWriter> writer_;
  Block cur_;
  char* chunk_buf_;  // kChunk bytes, page-aligned for direct I/O
  size_t chunk_len_ = 0;
  std::vector<Block> done_;
  bool released_ = false;
};


}  // namespace

Result<FileStatus> FsService::Write(Caller& c, const Path& p, WriteMode mode, std::optional<int> perm,
                                    const Source& src) {
  if (p.size() < 4 || p[0] != "Projects")
    return InvalidArgument("files live inside a dataset: /Projects/<project>/<dataset>/<name>");
  HOPS_RETURN_IF_ERROR(ValidateNewPath(p));
  if (perm && (*perm < 0 || *perm > 07777)) return InvalidArgument("permission must be octal 0 to 7777");
  const size_t inline_max = static_cast<size_t>(settings_.inline_max);
  std::string buf(kChunk, '\0');
  // A new or replaced file's first bytes are read before any lookup: a body
  // that ends within the inline limit is published in one write transaction,
  // which checks existence, permission and quota itself.
  std::string early;
  if (mode != WriteMode::kAppend) {
    // A body cut short is audited against the path it was meant for.
    if (c.ctx.req.project.empty()) c.ctx.req.project = p[1];
    if (c.ctx.req.target.empty()) c.ctx.req.target = JoinPath(p).substr(0, 512);
    while (early.size() <= inline_max) {
      HOPS_ASSIGN_OR_RETURN(size_t n, src(buf.data(), std::min(buf.size(), inline_max + 1 - early.size() + 1)));
      if (n == 0) return PublishWrite(c, p, mode, perm, static_cast<int64_t>(early.size()), &early, {}, std::nullopt);
      early.append(buf.data(), n);
    }
  }
  std::optional<Expect> expect;
  std::string head;
  bool append_blocks = false;
  int64_t headroom = std::numeric_limits<int64_t>::max();
  int repl = settings_.replication;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    head.clear();
    HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, true));
    c.ctx.req.target = r.shown().substr(0, 512);
    int64_t freed = 0;
    if (r.found) {
      const Inode& f = r.target();
      if (f.dir) return AlreadyExists(r.shown() + " is a directory");
      if (mode == WriteMode::kCreate)
        return AlreadyExists(r.shown() + " already exists; pass overwrite=true to replace it");
      HOPS_RETURN_IF_ERROR(Check(c, r, Need::kWrite, &f));
      repl = f.replication;
      if (mode == WriteMode::kOverwrite) freed = f.size * f.replication;
      if (mode == WriteMode::kAppend) {
        if (f.inline_data) {
          HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT data FROM fs_inline WHERE inode_id = ?", {f.id}));
          if (row) head = row->Str(0);
          expect = Expect{f.size, f.mtime_ms};
        } else {
          append_blocks = true;
        }
      }
    } else {
      if (mode == WriteMode::kAppend) return NoSuchPath(r.shown());
      HOPS_RETURN_IF_ERROR(Check(c, r, r.chain.size() <= 3 ? Need::kAdmin : Need::kWrite, nullptr));
    }
    for (const auto& a : r.chain)
      if (a.tracks && a.ds_quota >= 0) headroom = std::min(headroom, a.ds_quota - a.ds_used + freed);
    return Status::Ok();
  }));

  const size_t prefix = head.size();
  int64_t total = 0;  // bytes read from the source
  auto over_quota = [&](int64_t bytes) { return (bytes - static_cast<int64_t>(prefix)) * repl > headroom; };
  bool eof = false;
  if (!early.empty()) {  // more than the inline limit: it goes to blocks
    total += static_cast<int64_t>(early.size());
    head = std::move(early);
    if (over_quota(static_cast<int64_t>(head.size())))
      return QuotaExceeded("this write would exceed the space quota of " + c.ctx.req.target.substr(0, 200) +
                           "'s project or directory");
  }
  if (!append_blocks) {
    while (head.size() <= inline_max) {
      HOPS_ASSIGN_OR_RETURN(size_t n, src(buf.data(), std::min(buf.size(), inline_max + 1 - head.size() + 1)));
      if (n == 0) {
        eof = true;
        break;
      }
      head.append(buf.data(), n);
      total += static_cast<int64_t>(n);
      if (over_quota(static_cast<int64_t>(head.size())))
        return QuotaExceeded("this write would exceed the space quota of " + c.ctx.req.target.substr(0, 200) +
                             "'s project or directory");
    }
  }
  if (eof && head.size() <= inline_max) {
    return PublishWrite(c, p, expect ? WriteMode::kOverwrite : mode, perm, static_cast<int64_t>(head.size()), &head, {},
                        expect);
  }
  BlockSink sink(blocks_, store_, settings_.block_size, NowMs(), settings_.server_id);
  HOPS_RETURN_IF_ERROR(sink.Write(head));
  int64_t written = static_cast<int64_t>(head.size());
  head.clear();
  head.shrink_to_fit();
  while (!eof) {
    HOPS_ASSIGN_OR_RETURN(size_t n, src(buf.data(), buf.size()));
    if (n == 0) break;
    total += static_cast<int64_t>(n);
    written += static_cast<int64_t>(n);
    if (over_quota(written))
      return QuotaExceeded("this write would exceed the space quota of the project or a directory above " +
                           c.ctx.req.target.substr(0, 200));
    HOPS_RETURN_IF_ERROR(sink.Write(std::string_view(buf.data(), n)));
  }
  HOPS_ASSIGN_OR_RETURN(auto blocks, sink.Finish());
  auto res = PublishWrite(c, p, expect ? WriteMode::kOverwrite : mode, perm, written, nullptr, blocks, expect);
  if (res.ok()) sink.Release();
  return res;
}

Result<FileStatus> FsService::PublishWrite(Caller& c, const Path& p, WriteMode mode, std::optional<int> perm,
                                           int64_t size, const std::string* inline_bytes,
                                           const std::vector<Block>& blocks, std::optional<Expect> expect) {
  FileStatus out;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, true));
    c.ctx.req.target = r.shown().substr(0, 512);
    int64_t now = NowMs();
    std::map<int64_t, Charge> charges;
    const char* op = "create";
    if (r.found) {
      Inode f = r.target();
      if (f.dir) return AlreadyExists(r.shown() + " is a directory");
      if (mode == WriteMode::kCreate)
        return AlreadyExists(r.shown() + " already exists; pass overwrite=true to replace it");
      HOPS_RETURN_IF_ERROR(Check(c, r, Need::kWrite, &f));
      if (expect && (f.size != expect->size || f.mtime_ms != expect->mtime_ms))
        return Conflict(r.shown() + " changed while this append was running; retry the append");
      if (mode == WriteMode::kAppend) {
        if (f.inline_data) return Conflict(r.shown() + " changed while this append was running; retry the append");
        HOPS_ASSIGN_OR_RETURN(auto cnt, t.QueryOne("SELECT COUNT(*) FROM fs_blocks WHERE inode_id = ?", {f.id}));
        int64_t idx = cnt->Int(0);
        for (const auto& b : blocks)
          HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO fs_blocks (inode_id, idx, block_id, size, checksums) "
                                      "VALUES (?, ?, ?, ?, ?)",
                                      {f.id, idx++, b.id, b.size, meta::Blob{b.checksums}})
                                   .status());
        AddCharges(charges, r.chain, r.chain.size() - 1, 0, size * f.replication);
        HOPS_RETURN_IF_ERROR(ApplyCharges(t, charges));
        HOPS_RETURN_IF_ERROR(
            t.Exec("UPDATE inodes SET size = size + ?, mtime = ? WHERE id = ?", {size, now, f.id}).status());
        f.size += size;
        f.mtime_ms = now;
        op = "append";
      } else {
        // Replace the content; the old blocks go to the collector.
        HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM fs_inline WHERE inode_id = ?", {f.id}).status());
        HOPS_RETURN_IF_ERROR(QueueBlocksForGc(t, f.id, now));
        AddCharges(charges, r.chain, r.chain.size() - 1, 0, (size - f.size) * f.replication);
        HOPS_RETURN_IF_ERROR(ApplyCharges(t, charges));
        f.size = size;
        f.mtime_ms = now;
        f.inline_data = inline_bytes != nullptr;
        HOPS_RETURN_IF_ERROR(t.Exec("UPDATE inodes SET size = ?, mtime = ?, inline_data = ?, "
                                    "block_size = ? WHERE id = ?",
                                    {size, now, int64_t{f.inline_data}, settings_.block_size, f.id})
                                 .status());
        op = expect ? "append" : "overwrite";
      }
      r.chain.back() = f;
    } else {
      if (mode == WriteMode::kAppend) return NoSuchPath(r.shown());
      HOPS_RETURN_IF_ERROR(CreateMissingDirs(t, c, r, r.real.size() - 1, std::nullopt).status());
      HOPS_RETURN_IF_ERROR(Check(c, r, r.chain.size() <= 3 ? Need::kAdmin : Need::kWrite, nullptr));
      if (!r.chain.back().dir) return AlreadyExists(PathOfChain(r.chain, r.chain.size() - 1) + " is a file");
      AddCharges(charges, r.chain, r.chain.size(), 1, size * settings_.replication);
      HOPS_RETURN_IF_ERROR(ApplyCharges(t, charges));
      Inode f;
      f.parent_id = r.chain.back().id;
      f.name = r.real.back();
      f.owner = c.ctx.who.username;
      f.group = r.project;
      f.perm = perm.value_or(0664);
      f.size = size;
      f.mtime_ms = f.atime_ms = now;
      f.block_size = settings_.block_size;
      f.replication = settings_.replication;
      f.inline_data = inline_bytes != nullptr;
      f.created_by = c.ctx.who.user_id;
      HOPS_ASSIGN_OR_RETURN(
          f.id, t.Insert("INSERT INTO inodes (parent_id, name, is_dir, owner, grp, perm, size, mtime, "
                         "atime, block_size, replication, inline_data, created_by) "
                         "VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         {f.parent_id, f.name, f.owner, f.group, int64_t{f.perm}, f.size, now, now, f.block_size,
                          int64_t{f.replication}, int64_t{f.inline_data}, f.created_by}));
      HOPS_RETURN_IF_ERROR(
          t.Exec("UPDATE inodes SET children = children + 1, mtime = ? WHERE id = ?", {now, f.parent_id}).status());
      r.chain.push_back(f);
      r.found = true;
    }
    for (const auto& b : blocks) {
      // Still registered: nobody took this write for a dead server's and
      // released (and maybe collected) its blocks.
      HOPS_ASSIGN_OR_RETURN(int64_t n, t.Exec("DELETE FROM fs_uploads WHERE block_id = ?", {b.id}));
      if (n != 1)
        return Unavailable("this write's blocks were released while it was in flight (its server was taken for "
                           "dead); retry the upload");
    }
    const Inode& f = r.chain.back();
    if (mode != WriteMode::kAppend || expect) {
      if (inline_bytes) {
        HOPS_RETURN_IF_ERROR(
            t.Exec("INSERT INTO fs_inline (inode_id, data) VALUES (?, ?)", {f.id, meta::Blob{*inline_bytes}}).status());
      } else {
        int64_t idx = 0;
        for (const auto& b : blocks)
          HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO fs_blocks (inode_id, idx, block_id, size, checksums) "
                                      "VALUES (?, ?, ?, ?, ?)",
                                      {f.id, idx++, b.id, b.size, meta::Blob{b.checksums}})
                                   .status());
      }
    }
    out = FileStatus{f, f.name, r.share};
    HOPS_RETURN_IF_ERROR(Prov(t, c, r, op, std::string(op) == "create" ? 1 : 2));
    return platform::RecordMutation(t, c.ctx);
  }));
  return out;
}

Result<ReadPlan> FsService::OpenRead(Caller& c, const Path& p, uint64_t offset, std::optional<uint64_t> length) {
  ReadPlan plan;
  int prov = 0;
  // The plan from a resolved path; t (the lookup's transaction) lists blocks.
  auto fill = [&](meta::Txn* t, const Resolved& r, std::optional<std::string>& inline_bytes) -> Status {
    plan = ReadPlan{};
    c.ctx.req.target = r.shown().substr(0, 512);
    if (!r.found) return NoSuchPath(r.shown());
    const Inode& f = r.target();
    if (f.dir) return BadRequest(r.shown() + " is a directory; list it instead");
    uint64_t size = static_cast<uint64_t>(f.size);
    if (offset > size || (offset == size && size > 0 && length && *length > 0))
      return RangeNotSatisfiable("offset " + std::to_string(offset) + " is past the end of " + r.shown() + " (" +
                                 std::to_string(size) + " bytes)");
    plan.st = FileStatus{f, p.back(), r.share};
    plan.offset = offset;
    plan.length = std::min<uint64_t>(length.value_or(size - offset), size - offset);
    plan.path = r.shown();
    if (f.inline_data) {
      if (!inline_bytes) return Internal("the inline data of " + r.shown() + " is missing; run fsck");
      plan.inline_bytes = std::move(*inline_bytes);
      if (plan.inline_bytes.size() != size)
        return Internal("the inline data of " + r.shown() + " is damaged; run fsck");
    } else {
      HOPS_ASSIGN_OR_RETURN(auto rows, t->Query("SELECT block_id, size, checksums FROM fs_blocks WHERE inode_id = ? "
                                                "ORDER BY idx",
                                                {f.id}));
      for (const auto& row : rows) plan.blocks.push_back(Block{row.Str(0), row.Int(1), row.Str(2)});
    }
    const Inode* ds = r.dataset();
    prov = ds ? ds->prov : 0;
    return Status::Ok();
  };
  Resolved one;
  std::optional<std::string> one_bytes;
  HOPS_ASSIGN_OR_RETURN(bool resolved, ResolveInOneStatement(c, p, one, &one_bytes));
  if (resolved && !(one.found && !one.target().dir && !one.target().inline_data)) {
    HOPS_RETURN_IF_ERROR(fill(nullptr, one, one_bytes));  // no blocks to list
  } else {
    HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
      std::optional<std::string> inline_bytes;
      HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, false, true, &inline_bytes));
      return fill(&t, r, inline_bytes);
    }));
  }
  if (prov >= 2) {
    HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
      HOPS_ASSIGN_OR_RETURN(Resolved r, Resolve(t, c, p, false));
      if (!r.found) return Status::Ok();
      return Prov(t, c, r, "read", 2);
    }));
  }
  return plan;
}

Status FsService::CheckReadable(const ReadPlan& plan) {
  uint64_t start = 0;
  for (const Block& b : plan.blocks) {
    uint64_t end = start + static_cast<uint64_t>(b.size);
    if (end > plan.offset) {
      auto size = blocks_.Size(b.id);
      if (!size.ok() && size.status().code() == Code::kNotFound)
        return Internal("block " + b.id + " of " + plan.path + " is missing; run hops admin fsck");
      return size.status();
    }
    start = end;
  }
  return Status::Ok();
}

Status FsService::ReadTo(const ReadPlan& plan, const Sink& sink) {
  if (plan.length == 0) return Status::Ok();
  if (!plan.blocks.empty() || !plan.st.inode.inline_data) {
    uint64_t want_begin = plan.offset, want_end = plan.offset + plan.length;
    uint64_t block_start = 0;
    std::string chunk(kChunk, '\0');
    for (const Block& b : plan.blocks) {
      uint64_t bsize = static_cast<uint64_t>(b.size);
      uint64_t block_end = block_start + bsize;
      if (block_end <= want_begin) {
        block_start = block_end;
        continue;
      }
      if (block_start >= want_end) break;
      uint64_t from = want_begin > block_start ? want_begin - block_start : 0;
      uint64_t to = std::min(bsize, want_end - block_start);
      for (uint64_t ci = from / kChunk; ci * kChunk < to; ++ci) {
        uint64_t coff = ci * kChunk;
        size_t clen = static_cast<size_t>(std::min<uint64_t>(kChunk, bsize - coff));
        auto read = blocks_.ReadAt(b.id, coff, chunk.data(), clen);
        if (!read.ok() && read.status().code() == Code::kNotFound)
          return Internal("block " + b.id + " of " + plan.path + " is missing from the block store; run fsck");
        HOPS_ASSIGN_OR_RETURN(size_t got, std::move(read));
        if (got != clen || (ci + 1) * 8 > b.checksums.size() ||
            ChunkChecksum(chunk.data(), clen) != b.checksums.substr(ci * 8, 8))
          return Internal("data corruption: block " + b.id + " of " + plan.path + " fails its checksum at offset " +
                          std::to_string(block_start + coff) + "; the bytes were not returned (run fsck)");
        uint64_t s = std::max(from, coff), e = std::min<uint64_t>(to, coff + clen);
        HOPS_RETURN_IF_ERROR(sink(std::string_view(chunk.data() + (s - coff), static_cast<size_t>(e - s))));
      }
      block_start = block_end;
    }
    if (block_start < want_end) return Internal("the blocks of " + plan.path + " are shorter than the file; run fsck");
    return Status::Ok();
  }
  return sink(
      std::string_view(plan.inline_bytes).substr(static_cast<size_t>(plan.offset), static_cast<size_t>(plan.length)));
}

Result<std::string> FsService::Checksum(Caller& c, const Path& p) {
  HOPS_ASSIGN_OR_RETURN(ReadPlan plan, OpenRead(c, p, 0, std::nullopt));
  XXH3_state_t* st = XXH3_createState();
  XXH3_128bits_reset(st);
  Status s = ReadTo(plan, [&](std::string_view b) {
    XXH3_128bits_update(st, b.data(), b.size());
    return Status::Ok();
  });
  XXH128_hash_t h = XXH3_128bits_digest(st);
  XXH3_freeState(st);
  HOPS_RETURN_IF_ERROR(s);
  XXH128_canonical_t canon;
  XXH128_canonicalFromHash(&canon, h);
  return crypto::Hex(std::string_view(reinterpret_cast<const char*>(canon.digest), sizeof canon.digest));
}

Result<FileStatus> FsService::Copy(Caller& c, const Path& src, const Path& dst, bool overwrite) {
  HOPS_ASSIGN_OR_RETURN(FileStatus s, Stat(c, src));
  if (dst.size() > src.size() && std::equal(src.begin(), src.end(), dst.begin()))
    return InvalidArgument("cannot copy a directory into itself");
  if (!s.inode.dir) {
    HOPS_ASSIGN_OR_RETURN(ReadPlan plan, OpenRead(c, src, 0, std::nullopt));
    // Pull the verified bytes through a small buffer into the writer.
    std::string pending;
    uint64_t pos = 0;
    Source pull = [&](char* buf, size_t n) -> Result<size_t> {
      while (pending.empty() && pos < plan.length) {
        ReadPlan part = plan;
        part.offset = pos;
        part.length = std::min<uint64_t>(kChunk, plan.length - pos);
        HOPS_RETURN_IF_ERROR(ReadTo(part, [&](std::string_view b) {
          pending.append(b);
          return Status::Ok();
        }));
        pos += part.length;
      }
      size_t k = std::min(n, pending.size());
      std::memcpy(buf, pending.data(), k);
      pending.erase(0, k);
      return k;
    };
    return Write(c, dst, overwrite ? WriteMode::kOverwrite : WriteMode::kCreate, s.inode.perm, pull);
  }
  int64_t copied = 0;
  std::function<Status(const Path&, const Path&)> walk = [&](const Path& from, const Path& to) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto st, Stat(c, from));
    HOPS_RETURN_IF_ERROR(Mkdirs(c, to, st.inode.perm).status());
    services::PageRequest page;
    page.limit = 1000;
    for (;;) {
      HOPS_ASSIGN_OR_RETURN(auto items, List(c, from, page));
      for (const auto& it : items.items) {
        if (++copied > 10000) return InvalidArgument("a directory copy is limited to 10,000 entries");
        Path f = from, t = to;
        f.push_back(it.name);
        t.push_back(it.name);
        if (it.inode.dir) {
          HOPS_RETURN_IF_ERROR(walk(f, t));
        } else {
          HOPS_RETURN_IF_ERROR(Copy(c, f, t, overwrite).status());
        }
      }
      if (items.next_page_token.empty() || items.items.empty()) break;
      page.after = items.items.back().name;
    }
    return Status::Ok();
  };
  HOPS_RETURN_IF_ERROR(walk(src, dst));
  return Stat(c, dst);
}

}  // namespace hops::fs
