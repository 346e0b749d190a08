// Engine-independent parts of the store: rows, the transaction runner with
// bounded retries and metrics, and opening a store by URL.
#include "meta/store.h"

#include <chrono>
#include <random>
#include <thread>

#include "core/log.h"
#include "meta/migrations.h"
#include "meta/mysql_engine.h"
#include "meta/sqlite_engine.h"

namespace hops::meta {

int64_t Row::Int(size_t i) const {
  const Value& v = cols_.at(i);
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<int64_t>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::strtoll(p->c_str(), nullptr, 10);
  return 0;
}

double Row::Double(size_t i) const {
  const Value& v = cols_.at(i);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::strtod(p->c_str(), nullptr);
  return 0;
}

std::string Row::Str(size_t i) const {
  const Value& v = cols_.at(i);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  if (auto p = std::get_if<Blob>(&v)) return p->bytes;
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) return std::to_string(*p);
  return "";
}

std::optional<int64_t> Row::OptInt(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

Status Txn::ForEach(std::string_view sql, const Params& params, const RowFn& fn) {
  struct View : RowView {
    const Row* row = nullptr;
    mutable std::vector<std::string> text;  // what Str returned, per column, until the next row
    bool IsNull(size_t i) const override { return row->IsNull(i); }
    int64_t Int(size_t i) const override { return row->Int(i); }
    std::string_view Str(size_t i) const override {
      if (text.size() < row->size()) text.resize(row->size());
      return text.at(i) = row->Str(i);
    }
  } view;
  HOPS_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  for (const Row& r : rows) {
    view.row = &r;
    HOPS_RETURN_IF_ERROR(fn(view));
  }
  return Status::Ok();
}

Result<std::optional<Row>> Txn::QueryOne(std::string_view sql, const Params& params) {
  HOPS_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

Status Store::Read(const TxnFn& fn) { return Run(Kind::kRead, fn); }
Status Store::Write(const TxnFn& fn) { return Run(Kind::kWrite, fn); }
Status Store::WriteAside(const TxnFn& fn) { return Run(Kind::kAside, fn); }
Status Store::ReadStatement(std::string_view sql, const Params& params, const RowFn& fn) {
  return Run(Kind::kStatement, [&](Txn& t) { return t.ForEach(sql, params, fn); });
}

namespace {
struct SharedRead {
  const Store* store = nullptr;
  Txn* txn = nullptr;
};
thread_local SharedRead shared_read;
}  // namespace

Status Store::ReadShared(const std::function<Status()>& fn) {
  if (shared_read.store == this || !shares_reads()) return fn();
  return Run(Kind::kRead, [&](Txn& t) -> Status {
    struct Restore {
      SharedRead previous = shared_read;
      ~Restore() { shared_read = previous; }
    } restore;
    shared_read = SharedRead{this, &t};
    return fn();
  });
}

Status Store::Run(Kind kind, const TxnFn& fn) {
  const bool write = kind == Kind::kWrite || kind == Kind::kAside;
  if (!write && shared_read.store == this) {
    stats_.read_ok.fetch_add(1, std::memory_order_relaxed);
    return fn(*shared_read.txn);
  }
  constexpr int kMaxAttempts = 12;
  auto start = std::chrono::steady_clock::now();
  Status result;
  for (int attempt = 1;; ++attempt) {
    auto handle = kind == Kind::kAside ? BeginAside() : kind == Kind::kStatement ? BeginStatement() : Begin(write);
    if (!handle.ok()) {
      result = handle.status();
      break;
    }
    TxnHandle& h = **handle;
    Status st = fn(h.txn());
    bool retry = false;
    if (st.ok()) {
      st = h.Commit();
      retry = !st.ok() && h.retryable();
    } else {
      retry = h.retryable();
      h.Rollback();
    }
    if (st.ok() || !retry || attempt == kMaxAttempts) {
      result = st;
      if (!st.ok() && retry)
        result = Unavailable("the metadata store stayed busy; retry the request (" + st.message() + ")");
      break;
    }
    stats_.retries.fetch_add(1, std::memory_order_relaxed);
    // Exponential backoff with jitter, so that transactions that deadlocked
    // on a shared store (several servers) do not meet again in step.
    thread_local std::minstd_rand jitter{std::random_device{}()};
    const int base_us = 200 << std::min(attempt, 6);
    std::this_thread::sleep_for(std::chrono::microseconds(base_us / 2 + static_cast<int>(jitter() % base_us)));
  }
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start)
                .count();
  if (write) {
    stats_.write_latency.Observe(us);
    (result.ok() ? stats_.write_ok : stats_.write_err).fetch_add(1, std::memory_order_relaxed);
  } else {
    stats_.read_latency.Observe(us);
    (result.ok() ? stats_.read_ok : stats_.read_err).fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& url, const std::string& sync) {
  std::unique_ptr<Store> store;
  const std::string kSqlite = "sqlite://";
  if (url.rfind(kSqlite, 0) == 0) {
    std::string path = url.substr(kSqlite.size());
    if (path.empty()) return InvalidArgument("store URL '" + url + "' has no file path");
    HOPS_ASSIGN_OR_RETURN(store, OpenSqlite(path, sync));
  } else if (url.rfind("mysql://", 0) == 0) {
    HOPS_ASSIGN_OR_RETURN(store, OpenMysql(url));
  } else {
    return InvalidArgument("unsupported store URL; use sqlite://PATH or mysql://USER:PASSWORD@HOST:PORT/DATABASE");
  }
  HOPS_RETURN_IF_ERROR(store->LockSchema());
  Status migrated = Migrate(*store);
  store->UnlockSchema();
  HOPS_RETURN_IF_ERROR(migrated);
  return store;
}

}  // namespace hops::meta
