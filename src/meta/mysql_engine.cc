// MySQL-protocol engine over MariaDB Connector/C (text protocol; parameters
// are escaped by the connector for the connection's character set).
#include "meta/mysql_engine.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "core/log.h"

namespace hops::meta {
namespace {


struct HostPort {
  std::string host;
  unsigned port = 3306;
};

struct Target {
  std::string user, password, database;
  std::vector<HostPort> hosts;  // tried in turn: a Galera cluster lists its nodes
  int pool = 16;
  std::string engine = "InnoDB";  // NDBCLUSTER for MySQL NDB Cluster and RonDB
  // How write transactions keep what they read: SERIALIZABLE (InnoDB turns
  // every read into a shared lock), or READ COMMITTED with shared locks added
  // to the reads (engines without SERIALIZABLE: NDB).
  bool share_locks = false;
};

bool IsMariaDb(MYSQL* db) { return std::strstr(mysql_get_server_info(db), "MariaDB") != nullptr; }

// Byte-wise names without padding: MariaDB and MySQL 8 name that collation differently.
const char* BinaryCollation(MYSQL* db) {
  return IsMariaDb(db) ? "utf8mb4_nopad_bin" : "utf8mb4_0900_bin";
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Result<Target> ParseUrl(const std::string& url) {
  const std::string kPrefix = "mysql://";
  auto bad = [&](const std::string& why) {
    return InvalidArgument("store URL must be mysql://USER:PASSWORD@HOST:PORT[,HOST:PORT...]/DATABASE (" + why + ")");
  };
  if (url.rfind(kPrefix, 0) != 0) return bad("no mysql:// prefix");
  std::string rest = url.substr(kPrefix.size());
  Target t;
  auto q = rest.find('?');
  if (q != std::string::npos) {
    std::string query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    bool locking_given = false;
    for (size_t start = 0; start < query.size();) {
      size_t amp = query.find('&', start);
      std::string kv = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      start = amp == std::string::npos ? query.size() : amp + 1;
      auto eq = kv.find('=');
      std::string key = kv.substr(0, eq), value = eq == std::string::npos ? "" : kv.substr(eq + 1);
      for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (key == "pool") {
        t.pool = value.empty() || value.size() > 3 || value.find_first_not_of("0123456789") != std::string::npos
                     ? 0
                     : std::atoi(value.c_str());
        if (t.pool < 1 || t.pool > 256) return bad("pool must be 1 to 256");
      } else if (key == "engine") {
        for (char& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (value != "INNODB" && value != "NDBCLUSTER" && value != "NDB") return bad("engine must be InnoDB or NDBCLUSTER");
        t.engine = value == "INNODB" ? "InnoDB" : "NDBCLUSTER";
      } else if (key == "locking") {
        if (value != "serializable" && value != "share") return bad("locking must be serializable or share");
        t.share_locks = value == "share";
        locking_given = true;
      } else {
        return bad("unknown option '" + key + "'; options are pool, engine, locking");
      }
    }
    if (t.engine == "NDBCLUSTER") {  // NDB offers READ COMMITTED only: its writers need the shared locks
      if (locking_given && !t.share_locks) return bad("engine=NDBCLUSTER needs locking=share");
      t.share_locks = true;
    }
  }
  auto at = rest.rfind('@');
  if (at == std::string::npos) return bad("no USER@");
  std::string creds = rest.substr(0, at), where = rest.substr(at + 1);
  auto colon = creds.find(':');
  t.user = PercentDecode(creds.substr(0, colon));
  if (colon != std::string::npos) t.password = PercentDecode(creds.substr(colon + 1));
  auto slash = where.find('/');
  if (slash == std::string::npos || slash + 1 >= where.size()) return bad("no /DATABASE");
  t.database = where.substr(slash + 1);
  for (char c : t.database)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return bad("database names are letters, digits, _");
  std::string hosts = where.substr(0, slash);
  size_t start = 0;
  while (start <= hosts.size()) {
    size_t comma = hosts.find(',', start);
    std::string hp = hosts.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    HostPort h;
    auto c = hp.rfind(':');
    h.host = hp.substr(0, c);
    if (c != std::string::npos) h.port = static_cast<unsigned>(std::atoi(hp.c_str() + c + 1));
    if (h.host.empty() || h.port == 0 || h.port > 65535) return bad("bad HOST:PORT '" + hp + "'");
    t.hosts.push_back(h);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return t;
}

bool ConnectionLost(unsigned e) {
  return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR ||
         e == CR_SERVER_LOST_EXTENDED || e == ER_CONNECTION_KILLED || e == ER_SERVER_SHUTDOWN ||
         e == ER_UNKNOWN_COM_ERROR /* Galera: node not ready */ || e == 1927 /* ER_CONNECTION_KILLED (MariaDB) */;
}

bool Transient(unsigned e) {
  return e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT || e == ER_QUERY_INTERRUPTED /* Galera BF abort */ ||
         e == 1297 /* ER_GET_TEMPORARY_ERRMSG: NDB's temporary errors */ || ConnectionLost(e);
}

class Conn {
 public:
  ~Conn() { Close(); }
  void Close() {
    if (db_) mysql_close(db_);
    db_ = nullptr;
  }
  bool open() const { return db_ != nullptr; }

  // Connects to the first host that answers, starting with `first`.
  Status Connect(const Target& t, size_t first) {
    Close();
    std::string errors;
    for (size_t k = 0; k < t.hosts.size(); ++k) {
      const HostPort& h = t.hosts[(first + k) % t.hosts.size()];
      db_ = mysql_init(nullptr);
      unsigned connect_timeout = 3, io_timeout = 30;
      mysql_options(db_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
      mysql_options(db_, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
      mysql_options(db_, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
      mysql_options(db_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
      // Affected rows count matched rows, as SQLite's changes() does.
      if (mysql_real_connect(db_, h.host.c_str(), t.user.c_str(), t.password.c_str(), nullptr, h.port, nullptr,
                             CLIENT_FOUND_ROWS)) {
        const std::string collation = BinaryCollation(db_);
        std::string setup = "CREATE DATABASE IF NOT EXISTS `" + t.database + "` CHARACTER SET utf8mb4 COLLATE " +
                            collation;
        bool ok = mysql_real_query(db_, setup.data(), setup.size()) == 0;
        std::string use = "USE `" + t.database + "`";
        ok = ok && mysql_real_query(db_, use.data(), use.size()) == 0;
        const std::string session = "SET SESSION collation_connection = '" + collation +
                                    "', innodb_lock_wait_timeout = 10, "
                                    "sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION'";
        ok = ok && mysql_real_query(db_, session.data(), session.size()) == 0;
        if (ok) {
          // On Galera, reads wait until this node applied what others committed
          // (read-your-writes across nodes); elsewhere the setting is refused, harmlessly.
          static const char kSync[] = "SET SESSION wsrep_sync_wait = 1";
          (void)mysql_real_query(db_, kSync, sizeof kSync - 1);
          return Status::Ok();
        }
      }
      errors += (errors.empty() ? "" : "; ") + h.host + ":" + std::to_string(h.port) + ": " + mysql_error(db_);
      Close();
    }
    return Unavailable("cannot reach the metadata store (" + errors + ")");
  }

  // Runs one statement with `?` replaced by the escaped parameters.
  Status Run(std::string_view sql, const Params& params, bool* transient) {
    std::string text;
    text.reserve(sql.size() + 16 * params.size());
    size_t k = 0;
    char quote = 0;
    for (char c : sql) {
      if (quote) {
        text += c;
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '\'' || c == '"' || c == '`') quote = c;
      if (c != '?') {
        text += c;
        continue;
      }
      if (k >= params.size()) return Internal("too few parameters for `" + std::string(sql.substr(0, 80)) + "`");
      const Value& v = params[k++];
      if (std::holds_alternative<Null>(v)) {
        text += "NULL";
      } else if (auto i = std::get_if<int64_t>(&v)) {
        text += std::to_string(*i);
      } else if (auto d = std::get_if<double>(&v)) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", *d);
        text += buf;
      } else {
        const std::string& s = std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : std::get<Blob>(v).bytes;
        if (std::holds_alternative<Blob>(v)) {
          static const char* kHex = "0123456789ABCDEF";
          text += "X'";
          for (unsigned char b : s) text += kHex[b >> 4], text += kHex[b & 15];
          text += "'";
        } else {
          std::string esc(s.size() * 2 + 1, '\0');
          unsigned long n = mysql_real_escape_string(db_, esc.data(), s.data(), static_cast<unsigned long>(s.size()));
          text += '\'';
          text.append(esc.data(), n);
          text += '\'';
        }
      }
    }
    if (k != params.size()) return Internal("too many parameters for `" + std::string(sql.substr(0, 80)) + "`");
    if (mysql_real_query(db_, text.data(), static_cast<unsigned long>(text.size())) != 0)
      return Error(sql, transient);
    return Status::Ok();
  }

  Status Error(std::string_view sql, bool* transient) {
    unsigned e = mysql_errno(db_);
    std::string msg = mysql_error(db_);
    *transient = Transient(e);
    if (ConnectionLost(e)) {
      Close();  // reconnect on the next transaction
      return Unavailable("lost the connection to the metadata store (" + msg + ")");
    }
    if (e == ER_DUP_ENTRY || e == ER_DUP_KEY) return AlreadyExists("duplicate entry (" + msg + ")");
    if (e == ER_DUP_KEYNAME || e == ER_DUP_FIELDNAME) return AlreadyExists("already defined (" + msg + ")");
    if (*transient) return Unavailable("store busy (" + msg + ")");
    if (e == ER_DATA_TOO_LONG) return InvalidArgument("a value is too long for the store (" + msg + ")");
    if (e == ER_DISK_FULL || e == ER_RECORD_FILE_FULL) return Unavailable("the store's disk is full (" + msg + ")");
    return Internal("store error in `" + std::string(sql.substr(0, 80)) + "`: " + msg);
  }

  Result<Rows> Fetch() {
    Rows rows;
    MYSQL_RES* res = mysql_store_result(db_);
    if (!res) return rows;
    unsigned n = mysql_num_fields(res);
    MYSQL_FIELD* fields = mysql_fetch_fields(res);
    while (MYSQL_ROW r = mysql_fetch_row(res)) {
      unsigned long* len = mysql_fetch_lengths(res);
      std::vector<Value> cols;
      cols.reserve(n);
      for (unsigned i = 0; i < n; ++i) {
        if (!r[i]) {
          cols.emplace_back(Null{});
          continue;
        }
        std::string s(r[i], len[i]);
        switch (fields[i].type) {
          case MYSQL_TYPE_TINY:
          case MYSQL_TYPE_SHORT:
          case MYSQL_TYPE_LONG:
          case MYSQL_TYPE_INT24:
          case MYSQL_TYPE_LONGLONG:
          case MYSQL_TYPE_YEAR:
            cols.emplace_back(static_cast<int64_t>(std::strtoll(s.c_str(), nullptr, 10)));
            break;
          case MYSQL_TYPE_DECIMAL:
          case MYSQL_TYPE_NEWDECIMAL:
            // SUM() of integers is a DECIMAL without a fraction.
            if (s.find('.') == std::string::npos) cols.emplace_back(static_cast<int64_t>(std::strtoll(s.c_str(), nullptr, 10)));
            else cols.emplace_back(std::strtod(s.c_str(), nullptr));
            break;
          case MYSQL_TYPE_FLOAT:
          case MYSQL_TYPE_DOUBLE:
            cols.emplace_back(std::strtod(s.c_str(), nullptr));
            break;
          default:
            if (fields[i].charsetnr == 63 && (fields[i].flags & BINARY_FLAG) &&
                (fields[i].type == MYSQL_TYPE_BLOB || fields[i].type == MYSQL_TYPE_LONG_BLOB ||
                 fields[i].type == MYSQL_TYPE_MEDIUM_BLOB || fields[i].type == MYSQL_TYPE_TINY_BLOB))
              cols.emplace_back(Blob{std::move(s)});
            else
              cols.emplace_back(std::move(s));
        }
      }
      rows.emplace_back(std::move(cols));
    }
    mysql_free_result(res);
    return rows;
  }

  MYSQL* db() { return db_; }

 private:
  MYSQL* db_ = nullptr;
};

class MyTxn : public Txn {
 public:
  // With `share_locks`, a write transaction's plain SELECTs take shared locks
  // (what SERIALIZABLE does on InnoDB), for engines that offer only READ
  // COMMITTED. UNIONs and WITH queries are left as they are.
  MyTxn(Conn& c, bool write, const Dialect& d, bool share_locks)
      : c_(c), write_(write), dialect_(d), share_locks_(write && share_locks) {}
  // After a deadlock, a lock-wait timeout or a lost connection the transaction
  // is over: InnoDB may have rolled it back already, and what ran next would
  // autocommit on its own. So every later statement and the commit fail the
  // same way, and Store::Run retries the whole function.
  Result<Rows> Query(std::string_view sql, const Params& params) override {
    if (share_locks_ && sql.starts_with("SELECT ") && !sql.ends_with(" FOR UPDATE") &&
        sql.find(" UNION ") == std::string_view::npos) {
      HOPS_RETURN_IF_ERROR(Run(std::string(sql) + " LOCK IN SHARE MODE", params));
    } else {
      HOPS_RETURN_IF_ERROR(Run(sql, params));
    }
    return c_.Fetch();
  }
  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    HOPS_RETURN_IF_ERROR(Run(sql, params));
    HOPS_RETURN_IF_ERROR(c_.Fetch().status());  // a statement that answers rows
    return static_cast<int64_t>(mysql_affected_rows(c_.db()));
  }
  Result<int64_t> Insert(std::string_view sql, const Params& params) override {
    HOPS_RETURN_IF_ERROR(Run(sql, params));
    return static_cast<int64_t>(mysql_insert_id(c_.db()));
  }
  const Status& failed() const { return failed_; }
  bool writable() const override { return write_; }
  const Dialect& dialect() const override { return dialect_; }
  bool transient() const { return transient_; }
  void set_transient(bool t) { transient_ = t; }

 private:
  Status Run(std::string_view sql, const Params& params) {
    if (!failed_.ok()) return failed_;
    bool transient = false;
    Status st = c_.Run(sql, params, &transient);
    if (!st.ok()) {
      transient_ = transient;
      // A duplicate key or a bad value fails the statement only, as on SQLite,
      // and the caller may go on; a deadlock, timeout or lost connection ends
      // the transaction.
      if (transient) failed_ = st;
    }
    return st;
  }

  Conn& c_;
  bool write_;
  const Dialect& dialect_;
  bool share_locks_;
  bool transient_ = false;
  Status failed_;
};

class MysqlStore : public Store {
 public:
  enum Mode { kReader, kWriter, kAside };
  explicit MysqlStore(Target t) : t_(std::move(t)) {
    for (int i = 0; i < t_.pool; ++i) idle_.push_back(std::make_unique<Conn>());
  }
  const Dialect& dialect() const override { return dialect_; }

  // Connects once and learns which server this is (MariaDB or MySQL), for the DDL.
  Status Probe() {
    auto c = Take();
    Status st = c->Connect(t_, 0);
    if (st.ok()) {
      dialect_.table_options =
          " ENGINE=" + t_.engine + " DEFAULT CHARSET=utf8mb4 COLLATE=" + BinaryCollation(c->db());
      dialect_.ddl_if_not_exists = IsMariaDb(c->db());
      log::Info("store.mysql", {{"server", mysql_get_server_info(c->db())},
                                {"engine", t_.engine},
                                {"write_isolation", t_.share_locks ? "read committed + shared locks" : "serializable"}});
    }
    Give(std::move(c));
    return st;
  }

 protected:
  class Handle : public TxnHandle {
   public:
    Handle(MysqlStore& s, std::unique_ptr<Conn> c, Mode mode, std::unique_lock<std::mutex> slot)
        : s_(s), c_(std::move(c)), mode_(mode), txn_(*c_, mode != kReader, s.dialect_, s.t_.share_locks),
          slot_(std::move(slot)) {}
    ~Handle() override {
      if (!done_) Rollback();
      s_.Release(std::move(c_), mode_);  // before slot_ unlocks
    }
    Txn& txn() override { return txn_; }
    Status Commit() override {
      if (!txn_.failed().ok()) {  // a statement failed and the caller went on: never commit the rest
        Rollback();
        return txn_.failed();
      }
      done_ = true;
      bool transient = false;
      Status st = c_->Run("COMMIT", {}, &transient);
      if (!st.ok() && !c_->open() && mode_ == kReader) return Status::Ok();  // a read has nothing to commit
      if (!st.ok() && !c_->open()) {
        // The connection went during COMMIT: the server may have committed.
        // Never run the transaction again.
        txn_.set_transient(false);
        return Unavailable("the connection to the metadata store was lost during COMMIT; the change may or may not "
                           "have been applied: check before retrying");
      }
      txn_.set_transient(transient);
      return st;
    }
    void Rollback() override {
      done_ = true;
      if (!c_->open()) return;
      bool transient = false;
      (void)c_->Run("ROLLBACK", {}, &transient);
    }
    bool retryable() const override { return txn_.transient(); }

   private:
    MysqlStore& s_;
    std::unique_ptr<Conn> c_;
    Mode mode_;
    MyTxn txn_;
    std::unique_lock<std::mutex> slot_;  // the writer's or the aside connection's, held until the transaction ends
    bool done_ = false;
  };

  Result<std::unique_ptr<TxnHandle>> Begin(bool write) override { return Start(write ? kWriter : kReader); }
  // A write on a connection of its own, beside the writer and the readers'
  // pool (READ COMMITTED, for rows only this server writes): a heartbeat
  // never waits behind a long write transaction or for a pooled connection,
  // so a busy server is not taken for a dead one.
  Result<std::unique_ptr<TxnHandle>> BeginAside() override { return Start(kAside); }
  // A shared read would hold a pooled connection for a whole request, which
  // a request that also writes (waiting for the writer) can turn into a
  // deadlock once the pool is exhausted.
  bool shares_reads() const override { return false; }

  Result<std::unique_ptr<TxnHandle>> Start(Mode mode) {
    // One write transaction at a time per process, as with SQLite, on one
    // writer connection whose session is SERIALIZABLE (InnoDB then locks what
    // a write transaction reads, as SQLite's single writer did): this server's
    // writers never deadlock one another on hot rows (a project's usage
    // counters, a directory's entry count). Servers sharing the store still
    // write concurrently; InnoDB's locks and the retries order them. Readers
    // come from the pool, REPEATABLE READ, each on a consistent snapshot.
    std::unique_lock<std::mutex> slot;
    std::unique_ptr<Conn> c;
    if (mode == kWriter) {
      slot = std::unique_lock(write_mu_);
      c = std::move(writer_conn_);
    } else if (mode == kAside) {
      slot = std::unique_lock(aside_mu_);
      c = std::move(aside_conn_);
    } else {
      c = Take();
    }
    const char* isolation = mode == kReader ? "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"
                            : mode == kAside || t_.share_locks ? "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"
                                                               : "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE";
    const char* start = mode == kReader ? "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"
                                        : "START TRANSACTION";
    bool transient = false;
    Status st;
    for (int attempt = 0; attempt < 2; ++attempt) {  // a pooled connection may be dead (the server restarted)
      if (!c->open()) {
        st = c->Connect(t_, next_host_++);
        if (st.ok()) st = c->Run(isolation, {}, &transient);
        if (!st.ok()) break;
      }
      st = c->Run(start, {}, &transient);
      if (st.ok() || c->open()) break;
    }
    if (!st.ok()) {
      Release(std::move(c), mode);
      return st;
    }
    return std::unique_ptr<TxnHandle>(new Handle(*this, std::move(c), mode, std::move(slot)));
  }

  // A named lock on a connection of its own, held while migrating.
  Status LockSchema() override {
    schema_conn_ = std::make_unique<Conn>();
    HOPS_RETURN_IF_ERROR(schema_conn_->Connect(t_, 0));
    bool transient = false;
    for (int attempt = 0; attempt < 15; ++attempt) {  // 15 x 20 s, each wait under the read timeout
      Status st = schema_conn_->Run("SELECT GET_LOCK('hops_schema', 20)", {}, &transient);
      if (!st.ok()) {
        // Galera refuses GET_LOCK (ER_NOT_SUPPORTED_YET): migrate without it;
        // migrations skip versions another server applied, and DDL is IF NOT EXISTS.
        log::Warn("store.schema_lock_unavailable", {{"error", st.message()}});
        schema_conn_.reset();
        return Status::Ok();
      }
      auto rows = schema_conn_->Fetch();
      if (rows.ok() && !rows->empty() && rows->front().Int(0) == 1) return Status::Ok();
    }
    return Unavailable("another server has been migrating the store for 5 minutes; retry later");
  }
  void UnlockSchema() override {
    if (!schema_conn_) return;
    bool transient = false;
    if (schema_conn_->open()) {
      (void)schema_conn_->Run("SELECT RELEASE_LOCK('hops_schema')", {}, &transient);
      (void)schema_conn_->Fetch();
    }
    schema_conn_.reset();
  }

 private:
  std::unique_ptr<Conn> schema_conn_;
  // Back to the pool, or (with its mutex held) to the writer's or the aside slot.
  void Release(std::unique_ptr<Conn> c, Mode mode) {
    if (mode == kWriter) writer_conn_ = std::move(c);
    else if (mode == kAside) aside_conn_ = std::move(c);
    else Give(std::move(c));
  }
  std::unique_ptr<Conn> Take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty(); });
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  void Give(std::unique_ptr<Conn> c) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  Target t_;
  Dialect dialect_{"mysql", " FOR UPDATE", "CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)",
                   " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin", true};
  std::mutex write_mu_;
  std::unique_ptr<Conn> writer_conn_ = std::make_unique<Conn>();  // guarded by write_mu_
  std::mutex aside_mu_;
  std::unique_ptr<Conn> aside_conn_ = std::make_unique<Conn>();  // guarded by aside_mu_
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  std::atomic<size_t> next_host_{0};
};

}  // namespace

Result<std::unique_ptr<Store>> OpenMysql(const std::string& url) {
  HOPS_ASSIGN_OR_RETURN(auto target, ParseUrl(url));
  static std::once_flag init;
  std::call_once(init, [] { mysql_library_init(0, nullptr, nullptr); });
  auto store = std::make_unique<MysqlStore>(std::move(target));
  HOPS_RETURN_IF_ERROR(store->Probe());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace hops::meta
