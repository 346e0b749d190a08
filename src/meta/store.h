// The metadata store: the one strongly consistent place where all platform
// state lives. Services run functions inside transactions:
//
//   store.Write([&](meta::Txn& t) -> Status { ...; return Status::Ok(); });
//
// A function that returns non-OK rolls the transaction back. Transient engine
// conflicts (busy, deadlock) re-run the whole function a bounded number of
// times, so functions must not have side effects outside the transaction.
// SQL is engine-neutral: `?` placeholders, and dialect differences go through
// Dialect (locking reads) or the migration tokens in migrations.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/histogram.h"
#include "core/status.h"

namespace hops::meta {

struct Null {};
struct Blob {
  std::string bytes;
};
using Value = std::variant<Null, int64_t, double, std::string, Blob>;
using Params = std::vector<Value>;

class Row {
 public:
  explicit Row(std::vector<Value> cols) : cols_(std::move(cols)) {}
  size_t size() const { return cols_.size(); }
  bool IsNull(size_t i) const { return std::holds_alternative<Null>(cols_.at(i)); }
  int64_t Int(size_t i) const;           // NULL -> 0
  double Double(size_t i) const;         // NULL -> 0
  std::string Str(size_t i) const;       // text or blob bytes; NULL -> ""
  std::optional<int64_t> OptInt(size_t i) const;

 private:
  std::vector<Value> cols_;
};
using Rows = std::vector<Row>;

// A row read in place by Txn::ForEach: valid only during the callback, and
// nothing is copied until the caller takes it (no column values, no strings).
class RowView {
 public:
  virtual ~RowView() = default;
  virtual bool IsNull(size_t i) const = 0;
  virtual int64_t Int(size_t i) const = 0;           // NULL -> 0
  virtual std::string_view Str(size_t i) const = 0;  // text or blob bytes; NULL -> ""
};
using RowFn = std::function<Status(const RowView&)>;

struct Dialect {
  std::string name;          // "sqlite", "mysql"
  std::string for_update;    // suffix for locking reads: "" or " FOR UPDATE"
  std::string now_us;        // SQL for the database's clock in microseconds (one clock for all servers)
  // MySQL-protocol servers differ (migrations.cc): what follows CREATE TABLE,
  // and whether CREATE INDEX and ADD COLUMN take IF NOT EXISTS (MariaDB).
  std::string table_options = "";
  bool ddl_if_not_exists = true;
};

class Txn {
 public:
  virtual ~Txn() = default;
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;
  // Returns the number of affected rows.
  virtual Result<int64_t> Exec(std::string_view sql, const Params& params = {}) = 0;
  // Runs an INSERT and returns the generated id.
  virtual Result<int64_t> Insert(std::string_view sql, const Params& params = {}) = 0;
  virtual bool writable() const = 0;
  virtual const Dialect& dialect() const = 0;

  // Calls fn for each row as it is read, without collecting them (long
  // listings); a non-OK status from fn stops the query and is returned. The
  // default runs Query; engines that can read rows in place override it.
  virtual Status ForEach(std::string_view sql, const Params& params, const RowFn& fn);

  // The first row, or nullopt.
  Result<std::optional<Row>> QueryOne(std::string_view sql, const Params& params = {});
  // Suffix for a SELECT that must lock what it reads until commit.
  const std::string& ForUpdate() const { return dialect().for_update; }
};

using TxnFn = std::function<Status(Txn&)>;

struct StoreStats {
  Histogram read_latency, write_latency;
  std::atomic<uint64_t> read_ok{0}, read_err{0}, write_ok{0}, write_err{0}, retries{0};
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens a store by URL: sqlite:///abs/path.db or sqlite://relative.db,
  // then applies pending migrations. A store whose schema is newer than this
  // binary is refused.
  static Result<std::unique_ptr<Store>> Open(const std::string& url, const std::string& sync = "full");

  Status Read(const TxnFn& fn);
  Status Write(const TxnFn& fn);
  // A small write that must not queue behind this server's other writes (a
  // heartbeat). It may run beside them, so it may touch only rows that no
  // other transaction of this server writes. Engines with one writer
  // (SQLite) run it as an ordinary write.
  Status WriteAside(const TxnFn& fn);
  // Runs `fn` so that every Read on this thread joins one read transaction
  // until `fn` returns: one snapshot (and one BEGIN/COMMIT) for all of a
  // request's reads. Writes are not affected. Engines where an open
  // transaction is costly to hold (shares_reads() false) just run `fn`.
  Status ReadShared(const std::function<Status()>& fn);
  // Runs one query in a snapshot of its own and hands its rows to fn, with no
  // BEGIN and COMMIT around it where the engine allows (SQLite: the statement
  // is its own read transaction). Inside ReadShared it joins that snapshot.
  Status ReadStatement(std::string_view sql, const Params& params, const RowFn& fn);

  int schema_version() const { return schema_version_; }
  const StoreStats& stats() const { return stats_; }
  virtual const Dialect& dialect() const = 0;

 protected:
  class TxnHandle {
   public:
    virtual ~TxnHandle() = default;
    virtual Txn& txn() = 0;
    virtual Status Commit() = 0;
    virtual void Rollback() = 0;
    // True when the last failure was a transient conflict worth retrying.
    virtual bool retryable() const = 0;
  };
  virtual Result<std::unique_ptr<TxnHandle>> Begin(bool write) = 0;
  virtual Result<std::unique_ptr<TxnHandle>> BeginAside() { return Begin(true); }
  // A handle for ReadStatement: one statement, in no explicit transaction.
  virtual Result<std::unique_ptr<TxnHandle>> BeginStatement() { return Begin(false); }
  // Held around migrations, so that servers starting together on one store
  // migrate it one after the other (engines without transactional DDL need it).
  virtual Status LockSchema() { return Status::Ok(); }
  // Whether ReadShared holds one transaction open: not on engines where that
  // would hold a pooled connection (and a read view) for a whole request.
  virtual bool shares_reads() const { return true; }
  virtual void UnlockSchema() {}
  enum class Kind { kRead, kWrite, kAside, kStatement };
  Status Run(Kind kind, const TxnFn& fn);
  void set_schema_version(int v) { schema_version_ = v; }
  friend Status Migrate(Store& store);

 private:
  int schema_version_ = 0;
  StoreStats stats_;
};

}  // namespace hops::meta
