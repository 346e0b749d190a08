#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "fs/block_store.h"

namespace hops::fs {
namespace {
namespace stdfs = std::filesystem;

Status IoError(const std::string& what, int err) {
  if (err == ENOSPC || err == EDQUOT) return InsufficientStorage(what + ": no space left on the block store's disk");
  return Unavailable(what + ": " + std::strerror(err));
}

class LocalWriter : public BlockWriter {
 public:
  static constexpr size_t kDirectAlign = 4096;
  LocalWriter(int fd, std::string path, bool direct) : fd_(fd), path_(std::move(path)), direct_(direct) {}
  ~LocalWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!finished_) ::unlink(path_.c_str());
  }
  Status Append(std::string_view bytes) override {
    // Whole aligned chunks go to the device directly (O_DIRECT): no copy into
    // the page cache, which is the bottleneck for large uploads. Anything
    // else (the short tail of a block) switches the file to buffered writes.
    if (direct_ &&
        (reinterpret_cast<uintptr_t>(bytes.data()) % kDirectAlign != 0 || bytes.size() % kDirectAlign != 0)) {
      int fl = ::fcntl(fd_, F_GETFL);
      if (fl < 0 || ::fcntl(fd_, F_SETFL, fl & ~O_DIRECT) != 0)
        return IoError("switching a block to buffered writes", errno);
      direct_ = false;
    }
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError("writing a block", errno);
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }
  Status Finish() override {
    if (::fdatasync(fd_) != 0) return IoError("syncing a block", errno);
    if (::close(fd_) != 0) {
      fd_ = -1;
      return IoError("closing a block", errno);
    }
    fd_ = -1;
    // The directory entry must be durable too, or a crash can lose the file.
    std::string dir = path_.substr(0, path_.rfind('/'));
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return IoError("opening the block directory", errno);
    int rc = ::fsync(dfd);
    int err = errno;
    ::close(dfd);
    if (rc != 0) return IoError("syncing the block directory", err);
    finished_ = true;
    return Status::Ok();
  }

 private:
  int fd_;
  std::string path_;
  bool direct_;
  bool finished_ = false;
};

bool ValidId(const std::string& id) {
  if (id.size() < 8 || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

class LocalBlockStore : public BlockStore {
 public:
  explicit LocalBlockStore(std::string dir) : dir_(std::move(dir)) {}
  std::string Describe() const override { return "local:" + dir_; }

  std::string PathOf(const std::string& id) const { return dir_ + "/" + id.substr(0, 2) + "/" + id; }

  Result<std::unique_ptr<BlockWriter>> Create(const std::string& id) override {
    if (!ValidId(id)) return Internal("bad block id");
    std::string sub = dir_ + "/" + id.substr(0, 2);
    if (::mkdir(sub.c_str(), 0700) != 0 && errno != EEXIST) return IoError("creating " + sub, errno);
    std::string path = PathOf(id);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0600);
    bool direct = fd >= 0;
    if (fd < 0 && errno == EINVAL) fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return IoError("creating a block", errno);
    return std::unique_ptr<BlockWriter>(new LocalWriter(fd, path, direct));
  }

  Result<size_t> ReadAt(const std::string& id, uint64_t offset, char* buf, size_t n) override {
    if (!ValidId(id)) return Internal("bad block id");
    int fd = ::open(PathOf(id).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return NotFound("block " + id + " is missing from the block store");
      return IoError("opening a block", errno);
    }
    // Each read opens the block anew, so the kernel keeps no read-ahead
    // state: ask for the next few MiB explicitly while this one is read.
    (void)::posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(n + (4u << 20)), POSIX_FADV_WILLNEED);
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd, buf + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        int e = errno;
        ::close(fd);
        return IoError("reading a block", e);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    ::close(fd);
    return got;
  }

  Result<uint64_t> Size(const std::string& id) override {
    if (!ValidId(id)) return Internal("bad block id");
    struct stat st {};
    if (::stat(PathOf(id).c_str(), &st) != 0) {
      if (errno == ENOENT) return NotFound("block " + id + " is missing");
      return IoError("stat of a block", errno);
    }
    return static_cast<uint64_t>(st.st_size);
  }

  Status Delete(const std::string& id) override {
    if (!ValidId(id)) return Internal("bad block id");
    if (::unlink(PathOf(id).c_str()) != 0 && errno != ENOENT) return IoError("deleting a block", errno);
    return Status::Ok();
  }

  Status List(const std::function<void(const BlockInfo&)>& fn) override {
    std::error_code ec;
    for (auto it = stdfs::recursive_directory_iterator(dir_, ec); !ec && it != stdfs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string name = it->path().filename().string();
      if (!ValidId(name)) continue;
      struct stat st {};
      if (::stat(it->path().c_str(), &st) != 0) continue;
      fn(BlockInfo{name, static_cast<uint64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000});
    }
    if (ec) return Unavailable("listing the block store: " + ec.message());
    return Status::Ok();
  }

 private:
  std::string dir_;
};

class CapacityLimited : public BlockStore {
 public:
  CapacityLimited(std::unique_ptr<BlockStore> inner, uint64_t cap) : inner_(std::move(inner)), cap_(cap) {}
  std::string Describe() const override { return inner_->Describe() + " (capacity-limited)"; }
  class W : public BlockWriter {
   public:
    W(std::unique_ptr<BlockWriter> w, CapacityLimited& s) : w_(std::move(w)), s_(s) {}
    Status Append(std::string_view b) override {
      if (s_.used_.fetch_add(b.size()) + b.size() > s_.cap_)
        return InsufficientStorage("writing a block: no space left on the block store's disk");
      return w_->Append(b);
    }
    Status Finish() override { return w_->Finish(); }

   private:
    std::unique_ptr<BlockWriter> w_;
    CapacityLimited& s_;
  };
  Result<std::unique_ptr<BlockWriter>> Create(const std::string& id) override {
    HOPS_ASSIGN_OR_RETURN(auto w, inner_->Create(id));
    return std::unique_ptr<BlockWriter>(new W(std::move(w), *this));
  }
  Result<size_t> ReadAt(const std::string& id, uint64_t o, char* b, size_t n) override {
    return inner_->ReadAt(id, o, b, n);
  }
  Result<uint64_t> Size(const std::string& id) override { return inner_->Size(id); }
  Status Delete(const std::string& id) override { return inner_->Delete(id); }
  Status List(const std::function<void(const BlockInfo&)>& fn) override { return inner_->List(fn); }

 private:
  std::unique_ptr<BlockStore> inner_;
  uint64_t cap_;
  std::atomic<uint64_t> used_{0};
};

}  // namespace

Result<std::unique_ptr<BlockStore>> NewLocalBlockStore(const std::string& dir) {
  std::error_code ec;
  stdfs::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create the block directory " + dir + ": " + ec.message());
  return std::unique_ptr<BlockStore>(new LocalBlockStore(dir));
}

std::unique_ptr<BlockStore> NewCapacityLimitedBlockStore(std::unique_ptr<BlockStore> inner, uint64_t capacity) {
  return std::make_unique<CapacityLimited>(std::move(inner), capacity);
}

}  // namespace hops::fs
