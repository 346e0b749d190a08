// SQLite engine: connections, prepared-statement cache, WAL, busy handling.
#include "meta/sqlite_engine.h"

#include <sqlite3.h>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

namespace hops::meta {
namespace {

const Dialect kSqliteDialect{"sqlite", "", "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)"};

class Conn {
 public:
  ~Conn() {
    for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
    if (db_) sqlite3_close(db_);
  }
  static Result<std::unique_ptr<Conn>> Open(const std::string& path, const std::string& sync, bool reader) {
    auto c = std::make_unique<Conn>();
    int rc = sqlite3_open_v2(path.c_str(), &c->db_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK)
      return Unavailable("cannot open store file '" + path + "': " + sqlite3_errstr(rc));
    sqlite3_busy_timeout(c->db_, 5000);
    sqlite3_extended_result_codes(c->db_, 1);
    // A new store file gets 2 KiB pages: a commit writes, and a reader whose
    // cache another commit emptied reads again, half the bytes per page
    // (measured +4 % on the HopsFS mix; docs/performance.md). Existing files
    // keep their page size. The WAL is checkpointed every 8,000 pages (16 MiB)
    // rather than SQLite's 1,000: pages written again and again (the audit
    // chain's head, a project root's usage) are copied into the file once.
    std::string pragmas = "PRAGMA page_size=2048; PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=8000; "
                          "PRAGMA foreign_keys=ON; PRAGMA synchronous=" +
                          std::string(sync == "normal" ? "NORMAL" : "FULL") + ";";
    // A 16 MiB page cache per connection. (A memory map was measured slower:
    // the file grows under concurrent writers and every reader remaps.)
    pragmas += "PRAGMA cache_size=-16384;";
    if (reader) pragmas += "PRAGMA query_only=1;";
    // Switching a new file to WAL takes an exclusive lock without waiting on
    // the busy handler: servers opening one new store together retry.
    for (int attempt = 0;; ++attempt) {
      char* err = nullptr;
      int rc = sqlite3_exec(c->db_, pragmas.c_str(), nullptr, nullptr, &err);
      if (rc == SQLITE_OK) break;
      std::string m = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      const int base = rc & 0xff;
      if ((base != SQLITE_BUSY && base != SQLITE_LOCKED) || attempt >= 200)
        return Unavailable("cannot configure store '" + path + "': " + m);
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return c;
  }

  // Maps the connection's last error; sets *retryable for busy/locked.
  Status Error(int rc, std::string_view sql, bool* retryable) {
    int base = rc & 0xff;
    std::string msg = std::string(sqlite3_errmsg(db_));
    *retryable = base == SQLITE_BUSY || base == SQLITE_LOCKED;
    if (base == SQLITE_CONSTRAINT) {
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return AlreadyExists("duplicate entry (" + msg + ")");
      return Conflict("constraint failed (" + msg + ")");
    }
    if (*retryable) return Unavailable("store busy (" + msg + ")");
    if (base == SQLITE_FULL) return Unavailable("the store's disk is full");
    if (base == SQLITE_IOERR || base == SQLITE_CANTOPEN) return Unavailable("store I/O error (" + msg + ")");
    return Internal("store error in `" + std::string(sql.substr(0, 80)) + "`: " + msg);
  }

  Result<sqlite3_stmt*> Prepare(std::string_view sql, bool* retryable) {
    auto it = stmts_.find(sql);  // heterogeneous lookup: no key string is built
    if (it != stmts_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, sql, retryable);
    stmts_.emplace(std::string(sql), stmt);
    return stmt;
  }

  // Runs one statement; collects rows when `rows` is non-null.
  Status Run(std::string_view sql, const Params& params, Rows* rows, int64_t* changes, bool* retryable) {
    HOPS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, retryable));
    Reset reset{stmt};
    HOPS_RETURN_IF_ERROR(Bind(stmt, params));
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return Error(rc, sql, retryable);
      if (!rows) continue;
      int n = sqlite3_column_count(stmt);
      std::vector<Value> cols;
      cols.reserve(n);
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER: cols.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c))); break;
          case SQLITE_FLOAT: cols.emplace_back(sqlite3_column_double(stmt, c)); break;
          case SQLITE_TEXT:
            cols.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                                          sqlite3_column_bytes(stmt, c)));
            break;
          case SQLITE_BLOB: {
            const char* p = static_cast<const char*>(sqlite3_column_blob(stmt, c));
            cols.emplace_back(Blob{std::string(p ? p : "", sqlite3_column_bytes(stmt, c))});
            break;
          }
          default: cols.emplace_back(Null{});
        }
      }
      rows->emplace_back(std::move(cols));
    }
    if (changes) *changes = sqlite3_changes64(db_);
    return Status::Ok();
  }

  // Runs a query and hands each row to fn in place.
  Status Each(std::string_view sql, const Params& params, const RowFn& fn, bool* retryable) {
    HOPS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, retryable));
    Reset reset{stmt};
    HOPS_RETURN_IF_ERROR(Bind(stmt, params));
    struct View : RowView {
      sqlite3_stmt* s;
      bool IsNull(size_t i) const override { return sqlite3_column_type(s, static_cast<int>(i)) == SQLITE_NULL; }
      int64_t Int(size_t i) const override { return sqlite3_column_int64(s, static_cast<int>(i)); }
      std::string_view Str(size_t i) const override {
        const int c = static_cast<int>(i);
        const void* p = sqlite3_column_blob(s, c);  // text as stored, no conversion
        return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s, c)))
                 : std::string_view();
      }
    } view;
    view.s = stmt;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return Status::Ok();
      if (rc != SQLITE_ROW) return Error(rc, sql, retryable);
      HOPS_RETURN_IF_ERROR(fn(view));
    }
  }

  int64_t last_id() const { return sqlite3_last_insert_rowid(db_); }

 private:
  struct Reset {
    sqlite3_stmt* s;
    ~Reset() {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  };

  static Status Bind(sqlite3_stmt* stmt, const Params& params) {
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt))
      return Internal("statement expects " + std::to_string(sqlite3_bind_parameter_count(stmt)) +
                      " parameters, got " + std::to_string(params.size()));
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      const Value& v = params[i];
      if (std::holds_alternative<Null>(v)) sqlite3_bind_null(stmt, idx);
      else if (auto p = std::get_if<int64_t>(&v)) sqlite3_bind_int64(stmt, idx, *p);
      else if (auto p = std::get_if<double>(&v)) sqlite3_bind_double(stmt, idx, *p);
      else if (auto p = std::get_if<std::string>(&v))
        sqlite3_bind_text(stmt, idx, p->data(), static_cast<int>(p->size()), SQLITE_STATIC);
      else if (auto p = std::get_if<Blob>(&v))
        sqlite3_bind_blob(stmt, idx, p->bytes.data(), static_cast<int>(p->bytes.size()), SQLITE_STATIC);
    }
    return Status::Ok();
  }

  sqlite3* db_ = nullptr;
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> stmts_;
};

class SqliteTxn : public Txn {
 public:
  SqliteTxn(Conn* c, bool write) : c_(c), write_(write) {}
  Result<Rows> Query(std::string_view sql, const Params& params) override {
    Rows rows;
    HOPS_RETURN_IF_ERROR(c_->Run(sql, params, &rows, nullptr, &retryable_));
    return rows;
  }
  Status ForEach(std::string_view sql, const Params& params, const RowFn& fn) override {
    return c_->Each(sql, params, fn, &retryable_);
  }
  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    if (!write_) return Internal("write statement in a read transaction");
    int64_t n = 0;
    HOPS_RETURN_IF_ERROR(c_->Run(sql, params, nullptr, &n, &retryable_));
    return n;
  }
  Result<int64_t> Insert(std::string_view sql, const Params& params) override {
    if (!write_) return Internal("write statement in a read transaction");
    HOPS_RETURN_IF_ERROR(c_->Run(sql, params, nullptr, nullptr, &retryable_));
    return c_->last_id();
  }
  bool writable() const override { return write_; }
  const Dialect& dialect() const override { return kSqliteDialect; }

  Conn* c_;
  bool write_;
  bool retryable_ = false;
};

class SqliteStore : public Store {
 public:
  SqliteStore(std::string path, std::string sync) : path_(std::move(path)), sync_(std::move(sync)) {}

  Status Init() {
    std::filesystem::path p(path_);
    std::error_code ec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    HOPS_ASSIGN_OR_RETURN(writer_, Conn::Open(path_, sync_, false));
    return Status::Ok();
  }
  const Dialect& dialect() const override { return kSqliteDialect; }

 protected:
  class Handle : public TxnHandle {
   public:
    // autocommit: a ReadStatement handle, whose one statement is its own read
    // transaction (no BEGIN, no COMMIT).
    Handle(SqliteStore* s, Conn* reader, bool autocommit = false)
        : s_(s), reader_(reader), txn_(reader, false), autocommit_(autocommit) {}
    Handle(SqliteStore* s, std::unique_lock<std::mutex> lock)
        : s_(s), lock_(std::move(lock)), txn_(s->writer_.get(), true) {}
    ~Handle() override {
      if (open_) Rollback();
      if (reader_) s_->ReleaseReader(reader_);
    }
    Txn& txn() override { return txn_; }
    Status Commit() override {
      if (autocommit_) return Status::Ok();
      Status st = Exec("COMMIT");
      if (st.ok()) open_ = false;
      else Rollback();
      return st;
    }
    void Rollback() override {
      if (!open_) return;
      bool r = false;
      (void)txn_.c_->Run("ROLLBACK", {}, nullptr, nullptr, &r);
      open_ = false;
    }
    bool retryable() const override { return txn_.retryable_; }
    Status Begin() {
      if (autocommit_) return Status::Ok();
      HOPS_RETURN_IF_ERROR(Exec(txn_.write_ ? "BEGIN IMMEDIATE" : "BEGIN"));
      open_ = true;
      return Status::Ok();
    }

   private:
    Status Exec(const char* sql) { return txn_.c_->Run(sql, {}, nullptr, nullptr, &txn_.retryable_); }
    SqliteStore* s_;
    Conn* reader_ = nullptr;  // owned by the store
    std::unique_lock<std::mutex> lock_;
    SqliteTxn txn_;
    bool autocommit_ = false;
    bool open_ = false;
  };

  Result<std::unique_ptr<TxnHandle>> BeginStatement() override {
    HOPS_ASSIGN_OR_RETURN(Conn * reader, AcquireReader());
    return std::unique_ptr<TxnHandle>(std::make_unique<Handle>(this, reader, true));
  }

  Result<std::unique_ptr<TxnHandle>> Begin(bool write) override {
    std::unique_ptr<Handle> h;
    if (write) {
      h = std::make_unique<Handle>(this, std::unique_lock<std::mutex>(write_mu_));
    } else {
      HOPS_ASSIGN_OR_RETURN(Conn * reader, AcquireReader());
      h = std::make_unique<Handle>(this, reader);
    }
    Status st = h->Begin();
    if (!st.ok()) return st;
    return std::unique_ptr<TxnHandle>(std::move(h));
  }

 private:
  // Reader connections are owned by the store (`owned_`), so closing the
  // store closes them all. Each thread parks one for this store (no lock on
  // the hot path); the others wait in `idle_`. A parked pointer is tagged with
  // its store's generation and never used for any other store.
  struct ThreadReader {
    uint64_t generation = 0;
    Conn* conn = nullptr;
  };
  static ThreadReader& Mine() {
    thread_local ThreadReader r;
    return r;
  }

  Result<Conn*> AcquireReader() {
    ThreadReader& mine = Mine();
    if (mine.generation == generation_ && mine.conn) return std::exchange(mine.conn, nullptr);
    {
      std::lock_guard<std::mutex> g(pool_mu_);
      if (!idle_.empty()) {
        Conn* c = idle_.back();
        idle_.pop_back();
        return c;
      }
    }
    HOPS_ASSIGN_OR_RETURN(auto conn, Conn::Open(path_, sync_, true));
    Conn* raw = conn.get();
    std::lock_guard<std::mutex> g(pool_mu_);
    owned_.push_back(std::move(conn));
    return raw;
  }
  void ReleaseReader(Conn* c) {
    ThreadReader& mine = Mine();
    if (mine.generation != generation_ || !mine.conn) {
      // A pointer parked for another store is forgotten here; that store owns it.
      mine.generation = generation_;
      mine.conn = c;
      return;
    }
    std::lock_guard<std::mutex> g(pool_mu_);
    idle_.push_back(c);
  }

  std::string path_, sync_;
  // Distinguishes stores that reuse an address, so a thread never uses a
  // reader parked for a store that has been closed.
  const uint64_t generation_ = NextGeneration();
  static uint64_t NextGeneration() {
    static std::atomic<uint64_t> g{1};
    return g.fetch_add(1);
  }
  std::mutex write_mu_;
  std::unique_ptr<Conn> writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Conn>> owned_;  // every reader this store opened
  std::vector<Conn*> idle_;                   // readers neither in use nor parked
};

// SQLite's mutexes (the WAL index's, taken as every read transaction begins
// and ends, and its static ones), as adaptive pthread mutexes: held for a few
// instructions, they spin briefly before sleeping, where SQLite's own sleep at
// once and cost two context switches when two threads meet.
struct alignas(64) SqliteMutex {
  pthread_mutex_t m;
};
SqliteMutex* NewMutex(bool recursive) {
  auto* mu = new SqliteMutex;
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, recursive ? PTHREAD_MUTEX_RECURSIVE : PTHREAD_MUTEX_ADAPTIVE_NP);
  pthread_mutex_init(&mu->m, &a);
  pthread_mutexattr_destroy(&a);
  return mu;
}
int MutexInit() { return SQLITE_OK; }
int MutexEnd() { return SQLITE_OK; }
sqlite3_mutex* MutexAlloc(int id) {
  if (id == SQLITE_MUTEX_FAST || id == SQLITE_MUTEX_RECURSIVE)
    return reinterpret_cast<sqlite3_mutex*>(NewMutex(id == SQLITE_MUTEX_RECURSIVE));
  static SqliteMutex* statics[SQLITE_MUTEX_STATIC_VFS3 + 1] = {};
  static std::once_flag once;
  std::call_once(once, [] {
    for (int i = SQLITE_MUTEX_STATIC_MAIN; i <= SQLITE_MUTEX_STATIC_VFS3; ++i) statics[i] = NewMutex(false);
  });
  return id >= SQLITE_MUTEX_STATIC_MAIN && id <= SQLITE_MUTEX_STATIC_VFS3 ? reinterpret_cast<sqlite3_mutex*>(statics[id])
                                                                         : nullptr;
}
SqliteMutex* M(sqlite3_mutex* p) { return reinterpret_cast<SqliteMutex*>(p); }
void MutexFree(sqlite3_mutex* p) {
  pthread_mutex_destroy(&M(p)->m);
  delete M(p);
}
void MutexEnter(sqlite3_mutex* p) { pthread_mutex_lock(&M(p)->m); }
int MutexTry(sqlite3_mutex* p) { return pthread_mutex_trylock(&M(p)->m) == 0 ? SQLITE_OK : SQLITE_BUSY; }
void MutexLeave(sqlite3_mutex* p) { pthread_mutex_unlock(&M(p)->m); }

}  // namespace

Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path, const std::string& sync) {
  // Memory statistics take a global mutex on every allocation; we do not use them.
  static const int kConfigured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    static const sqlite3_mutex_methods kMutexes = {MutexInit, MutexEnd,   MutexAlloc, MutexFree, MutexEnter,
                                                   MutexTry,  MutexLeave, nullptr,    nullptr};
    sqlite3_config(SQLITE_CONFIG_MUTEX, &kMutexes);
    return sqlite3_initialize();
  }();
  if (kConfigured != SQLITE_OK) return Unavailable("cannot initialise SQLite");
  if (sync != "full" && sync != "normal") return InvalidArgument("store sync must be full or normal");
  auto s = std::make_unique<SqliteStore>(path, sync);
  HOPS_RETURN_IF_ERROR(s->Init());
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace hops::meta
