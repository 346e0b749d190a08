// The SQLite engine through the Store/Txn API: commit, rollback, migrations,
// concurrency, and refusal of a store newer than the binary.
#include <gtest/gtest.h>

#include "test_store.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "meta/migrations.h"
#include "meta/store.h"

namespace hops::meta {
namespace {

std::string TempDb(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("store_test_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return hops::testing::StoreUrl(dir);
}

TEST(Store, MigratesAndCommits) {
  auto s = Store::Open(TempDb("commit"), "normal");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->schema_version(), LatestSchemaVersion());
  ASSERT_TRUE((*s)->Write([](Txn& t) -> Status {
                 return t.Exec("INSERT INTO audit_head (id, seq, hash) VALUES (2, 5, 'x')").status();
               }).ok());
  int64_t seq = 0;
  ASSERT_TRUE((*s)->Read([&](Txn& t) -> Status {
                 HOPS_ASSIGN_OR_RETURN(auto r, t.QueryOne("SELECT seq FROM audit_head WHERE id = ?", {int64_t{2}}));
                 seq = r->Int(0);
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(seq, 5);
}

TEST(Store, ErrorRollsBack) {
  auto s = Store::Open(TempDb("rollback"), "normal");
  ASSERT_TRUE(s.ok());
  Status st = (*s)->Write([](Txn& t) -> Status {
    HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO audit_head (id, seq, hash) VALUES (3, 1, 'y')").status());
    return Conflict("changed my mind");
  });
  EXPECT_EQ(st.code(), Code::kConflict);
  bool found = true;
  ASSERT_TRUE((*s)->Read([&](Txn& t) -> Status {
                 HOPS_ASSIGN_OR_RETURN(auto r, t.QueryOne("SELECT seq FROM audit_head WHERE id = 3"));
                 found = r.has_value();
                 return Status::Ok();
               }).ok());
  EXPECT_FALSE(found);
}

TEST(Store, UniqueViolationIsAlreadyExists) {
  auto s = Store::Open(TempDb("unique"), "normal");
  ASSERT_TRUE(s.ok());
  Status st = (*s)->Write([](Txn& t) -> Status {
    return t.Exec("INSERT INTO audit_head (id, seq, hash) VALUES (1, 1, 'dup')").status();
  });
  EXPECT_EQ(st.code(), Code::kAlreadyExists);
}

TEST(Store, ReadTxnRefusesWrites) {
  auto s = Store::Open(TempDb("readonly"), "normal");
  ASSERT_TRUE(s.ok());
  Status st = (*s)->Read([](Txn& t) -> Status { return t.Exec("DELETE FROM audit_head").status(); });
  EXPECT_FALSE(st.ok());
}

TEST(Store, ForEachReadsRowsInPlaceAndStopsOnError) {
  auto s = Store::Open(TempDb("foreach"), "normal");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE((*s)->Write([](Txn& t) -> Status {
                 for (int64_t i = 10; i < 15; ++i)
                   HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO audit_head (id, seq, hash) VALUES (?, ?, ?)",
                                               {i, i * 2, "h" + std::to_string(i)})
                                            .status());
                 return Status::Ok();
               }).ok());
  std::vector<std::string> seen;
  int64_t sum = 0, nulls = 0;
  ASSERT_TRUE((*s)->Read([&](Txn& t) -> Status {
                 seen.clear();
                 sum = nulls = 0;
                 return t.ForEach("SELECT id, seq, hash, NULL FROM audit_head WHERE id >= ? ORDER BY id",
                                  {int64_t{10}}, [&](const RowView& r) {
                                    // Two text columns of one row are valid together.
                                    std::string_view a = r.Str(2), b = r.Str(3);
                                    seen.push_back(std::string(a) + "|" + std::string(b));
                                    sum += r.Int(1);
                                    nulls += r.IsNull(3) ? 1 : 0;
                                    return Status::Ok();
                                  });
               }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"h10|", "h11|", "h12|", "h13|", "h14|"}));
  EXPECT_EQ(sum, 2 * (10 + 11 + 12 + 13 + 14));
  EXPECT_EQ(nulls, 5);
  int calls = 0;
  Status st = (*s)->Read([&](Txn& t) -> Status {
    calls = 0;
    return t.ForEach("SELECT id FROM audit_head WHERE id >= 10 ORDER BY id", {}, [&](const RowView&) {
      return ++calls == 2 ? Conflict("stop here") : Status::Ok();
    });
  });
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_EQ(calls, 2);
  // The statement is reusable after a stop: the next query runs from the start.
  int again = 0;
  ASSERT_TRUE((*s)->Read([&](Txn& t) -> Status {
                 again = 0;
                 return t.ForEach("SELECT id FROM audit_head WHERE id >= 10 ORDER BY id", {}, [&](const RowView&) {
                   ++again;
                   return Status::Ok();
                 });
               }).ok());
  EXPECT_EQ(again, 5);
}

TEST(Store, ConcurrentWritersSerialise) {
  auto s = Store::Open(TempDb("concurrent"), "normal");
  ASSERT_TRUE(s.ok());
  Store& store = **s;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 50; ++j) {
        ASSERT_TRUE(store.Write([](Txn& t) -> Status {
                           HOPS_ASSIGN_OR_RETURN(auto r, t.QueryOne("SELECT seq FROM audit_head WHERE id = 1"));
                           return t.Exec("UPDATE audit_head SET seq = ? WHERE id = 1", {r->Int(0) + 1}).status();
                         }).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  int64_t seq = 0;
  ASSERT_TRUE(store.Read([&](Txn& t) -> Status {
                     HOPS_ASSIGN_OR_RETURN(auto r, t.QueryOne("SELECT seq FROM audit_head WHERE id = 1"));
                     seq = r->Int(0);
                     return Status::Ok();
                   }).ok());
  EXPECT_EQ(seq, 400);  // no lost updates
}

// A write aside (heartbeats) does not queue behind a long write transaction
// on engines with a separate writer; on SQLite it is an ordinary write.
TEST(Store, WriteAsideDoesNotWaitForTheWriter) {
  auto s = Store::Open(TempDb("aside"), "normal");
  ASSERT_TRUE(s.ok());
  Store& store = **s;
  ASSERT_TRUE(store.Write([](Txn& t) -> Status {
                     return t.Exec("INSERT INTO audit_head (id, seq, hash) VALUES (7, 0, 'a')").status();
                   }).ok());
  if (store.dialect().name == "sqlite") {
    ASSERT_TRUE(store.WriteAside([](Txn& t) -> Status {
                       return t.Exec("UPDATE audit_head SET seq = 1 WHERE id = 7").status();
                     }).ok());
    return;
  }
  std::atomic<bool> in_write{false}, release{false};
  std::thread long_write([&] {
    ASSERT_TRUE(store.Write([&](Txn& t) -> Status {
                       HOPS_RETURN_IF_ERROR(t.Exec("UPDATE audit_head SET seq = seq + 1 WHERE id = 1").status());
                       in_write = true;
                       while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
                       return Status::Ok();
                     }).ok());
  });
  while (!in_write) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto t0 = std::chrono::steady_clock::now();
  Status st = store.WriteAside([](Txn& t) -> Status {
    return t.Exec("UPDATE audit_head SET seq = 1 WHERE id = 7").status();
  });
  auto waited = std::chrono::steady_clock::now() - t0;
  release = true;
  long_write.join();
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_LT(waited, std::chrono::seconds(2));
  int64_t seq = 0;
  ASSERT_TRUE(store.Read([&](Txn& t) -> Status {
                     HOPS_ASSIGN_OR_RETURN(auto r, t.QueryOne("SELECT seq FROM audit_head WHERE id = 7"));
                     seq = r->Int(0);
                     return Status::Ok();
                   }).ok());
  EXPECT_EQ(seq, 1);
}

// Reads inside ReadShared join one transaction: one snapshot for all of them,
// while writes still commit on their own. MySQL does not share (it would hold
// a pooled connection for a whole request): there each Read is its own.
TEST(Store, ReadSharedGivesNestedReadsOneSnapshot) {
  auto s = Store::Open(TempDb("shared"), "normal");
  ASSERT_TRUE(s.ok());
  Store& store = **s;
  const bool shares = store.dialect().name == "sqlite";
  ASSERT_TRUE(store.Write([](Txn& t) -> Status {
                     return t.Exec("INSERT INTO audit_head (id, seq, hash) VALUES (9, 1, 'a')").status();
                   }).ok());
  int64_t outer = 0, inner = 0, after = 0;
  Txn* outer_txn = nullptr;
  Txn* inner_txn = nullptr;
  auto read_seq = [&](int64_t* seq, Txn** txn) {
    return store.Read([&](Txn& t) -> Status {
      *txn = &t;
      HOPS_ASSIGN_OR_RETURN(auto r, t.QueryOne("SELECT seq FROM audit_head WHERE id = 9"));
      *seq = r ? r->Int(0) : -1;
      return Status::Ok();
    });
  };
  ASSERT_TRUE(store.ReadShared([&]() -> Status {
                     HOPS_RETURN_IF_ERROR(read_seq(&outer, &outer_txn));
                     // Another thread commits a change after the snapshot was taken.
                     std::thread([&] {
                       ASSERT_TRUE(store.Write([](Txn& w) -> Status {
                                          return w.Exec("UPDATE audit_head SET seq = 2 WHERE id = 9").status();
                                        }).ok());
                     }).join();
                     return read_seq(&inner, &inner_txn);
                   }).ok());
  EXPECT_EQ(outer, 1);
  if (shares) {
    EXPECT_EQ(outer_txn, inner_txn);
    EXPECT_EQ(inner, 1);  // the same snapshot
  } else {
    EXPECT_EQ(inner, 2);  // a transaction of its own sees the commit
  }
  Txn* after_txn = nullptr;
  ASSERT_TRUE(read_seq(&after, &after_txn).ok());
  EXPECT_EQ(after, 2);  // a new read afterwards sees the write
}

TEST(Store, ReadStatementSeesCommitsAndJoinsASharedRead) {
  auto s = Store::Open(TempDb("statement"), "normal");
  ASSERT_TRUE(s.ok());
  Store& store = **s;
  auto write_seq = [&](int64_t seq) {
    return store.Write([&](Txn& t) -> Status {
      return t.Exec("UPDATE audit_head SET seq = ? WHERE id = 11", {seq}).status();
    });
  };
  auto read_seq = [&]() -> int64_t {
    int64_t seq = -1;
    Status st = store.ReadStatement("SELECT seq FROM audit_head WHERE id = ?", {int64_t{11}},
                                    [&](const RowView& r) {
                                      seq = r.Int(0);
                                      return Status::Ok();
                                    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return seq;
  };
  EXPECT_EQ(read_seq(), -1);
  ASSERT_TRUE(store.Write([](Txn& t) -> Status {
                     return t.Exec("INSERT INTO audit_head (id, seq, hash) VALUES (11, 1, 'a')").status();
                   }).ok());
  EXPECT_EQ(read_seq(), 1);
  ASSERT_TRUE(write_seq(2).ok());
  EXPECT_EQ(read_seq(), 2);  // no transaction is left open between statements
  int64_t inside = 0;
  ASSERT_TRUE(store.ReadShared([&]() -> Status {
                     EXPECT_EQ(read_seq(), 2);
                     std::thread([&] { ASSERT_TRUE(write_seq(3).ok()); }).join();
                     inside = read_seq();
                     return Status::Ok();
                   }).ok());
  // The shared snapshot, where the engine shares reads (SQLite).
  EXPECT_EQ(inside, store.dialect().name == "sqlite" ? 2 : 3);
  EXPECT_EQ(read_seq(), 3);
  // A statement that fails reports it, and the next one runs.
  EXPECT_FALSE(store.ReadStatement("SELECT nope FROM audit_head", {}, [](const RowView&) { return Status::Ok(); }).ok());
  EXPECT_EQ(read_seq(), 3);
}

TEST(Store, RefusesNewerSchema) {
  std::string url = TempDb("newer");
  {
    auto s = Store::Open(url, "normal");
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Write([](Txn& t) -> Status {
                   return t.Exec("INSERT INTO schema_version (version, applied_at) VALUES (999, 0)").status();
                 }).ok());
  }
  auto again = Store::Open(url, "normal");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("999"), std::string::npos);
}

// A store made before migration 7 keeps its small files' bytes when the
// table moves to the rowid layout (SQLite; MySQL skips the migration's steps).
TEST(Store, InlineBytesSurviveTheRowidMigration) {
  std::string url = TempDb("inline7");
  const bool sqlite = url.rfind("sqlite://", 0) == 0;
  {
    auto s = Store::Open(url, "normal");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE((*s)->Write([&](Txn& t) -> Status {
                   if (sqlite) {  // back to the layout before version 7
                     HOPS_RETURN_IF_ERROR(t.Exec("DROP TABLE fs_inline").status());
                     HOPS_RETURN_IF_ERROR(
                         t.Exec("CREATE TABLE fs_inline (inode_id BIGINT PRIMARY KEY, data BLOB NOT NULL)").status());
                   }
                   HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM schema_version WHERE version = 7").status());
                   for (int64_t id : {5, 7, 900})
                     HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO fs_inline (inode_id, data) VALUES (?, ?)",
                                                 {id, Blob{"bytes of " + std::to_string(id)}})
                                              .status());
                   return Status::Ok();
                 }).ok());
  }
  auto s = Store::Open(url, "normal");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->schema_version(), LatestSchemaVersion());
  std::vector<std::string> rows;
  std::string ddl;
  ASSERT_TRUE((*s)->Read([&](Txn& t) -> Status {
                 rows.clear();
                 HOPS_ASSIGN_OR_RETURN(auto all, t.Query("SELECT inode_id, data FROM fs_inline ORDER BY inode_id"));
                 for (const auto& r : all) rows.push_back(std::to_string(r.Int(0)) + "=" + r.Str(1));
                 if (sqlite) {
                   HOPS_ASSIGN_OR_RETURN(auto d, t.QueryOne("SELECT sql FROM sqlite_schema WHERE name = 'fs_inline'"));
                   ddl = d ? d->Str(0) : "";
                 }
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(rows, (std::vector<std::string>{"5=bytes of 5", "7=bytes of 7", "900=bytes of 900"}));
  if (sqlite) {
    EXPECT_NE(ddl.find("inode_id INTEGER PRIMARY KEY"), std::string::npos) << ddl;
  }
}

TEST(Store, ReopenKeepsData) {
  std::string url = TempDb("reopen");
  {
    auto s = Store::Open(url, "full");
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Write([](Txn& t) -> Status {
                   return t.Exec("UPDATE audit_head SET hash = 'kept' WHERE id = 1").status();
                 }).ok());
  }
  auto s = Store::Open(url, "full");
  ASSERT_TRUE(s.ok());
  std::string hash;
  ASSERT_TRUE((*s)->Read([&](Txn& t) -> Status {
                 HOPS_ASSIGN_OR_RETURN(auto r, t.QueryOne("SELECT hash FROM audit_head WHERE id = 1"));
                 hash = r->Str(0);
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(hash, "kept");
}

int OpenFds() {
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

TEST(Store, ClosingReleasesEveryReaderConnection) {
  std::string url = TempDb("fds");
  { auto warm = Store::Open(url, "normal"); }  // migrations done once
  int before = OpenFds();
  {
    auto s = Store::Open(url, "normal");
    ASSERT_TRUE(s.ok());
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&] {
        for (int j = 0; j < 10; ++j)
          ASSERT_TRUE((*s)->Read([](Txn& t) { return t.Query("SELECT seq FROM audit_head").status(); }).ok());
      });
    for (auto& t : threads) t.join();
    ASSERT_TRUE((*s)->Read([](Txn& t) { return t.Query("SELECT seq FROM audit_head").status(); }).ok());
    EXPECT_GT(OpenFds(), before);
  }
  EXPECT_EQ(OpenFds(), before);  // readers parked by this thread included
}

TEST(Migrations, RenderDdlPerDialect) {
  Dialect my{"mysql", " FOR UPDATE", "", " ENGINE=InnoDB", true}, lite{"sqlite", "", ""};
  Dialect mysql8{"mysql", " FOR UPDATE", "", " ENGINE=NDBCLUSTER COLLATE=utf8mb4_0900_bin", false};
  EXPECT_EQ(RenderDdl("a ${ID}, b ${NAME}", my), "a BIGINT PRIMARY KEY AUTO_INCREMENT, b VARCHAR(255)");
  EXPECT_EQ(RenderDdl("a ${ID}, b ${NAME}", lite), "a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT");
  EXPECT_EQ(RenderDdl("CREATE TABLE t (a ${ID})", my),
            "CREATE TABLE IF NOT EXISTS t (a BIGINT PRIMARY KEY AUTO_INCREMENT) ENGINE=InnoDB");
  EXPECT_EQ(RenderDdl("CREATE TABLE t (a ${ID})", mysql8),
            "CREATE TABLE IF NOT EXISTS t (a BIGINT PRIMARY KEY AUTO_INCREMENT) ENGINE=NDBCLUSTER COLLATE=utf8mb4_0900_bin");
  EXPECT_EQ(RenderDdl("CREATE INDEX i ON t (a)", my), "CREATE INDEX IF NOT EXISTS i ON t (a)");
  EXPECT_EQ(RenderDdl("CREATE INDEX i ON t (a)", mysql8), "CREATE INDEX i ON t (a)");  // MySQL has no IF NOT EXISTS here
  EXPECT_EQ(RenderDdl("ALTER TABLE t ADD COLUMN b ${TEXT}", my), "ALTER TABLE t ADD COLUMN IF NOT EXISTS b LONGTEXT");
  EXPECT_EQ(RenderDdl("ALTER TABLE t ADD COLUMN b ${TEXT}", mysql8), "ALTER TABLE t ADD COLUMN b LONGTEXT");
  EXPECT_EQ(RenderDdl("INSERT INTO t VALUES (1)", mysql8), "INSERT IGNORE INTO t VALUES (1)");
  EXPECT_EQ(RenderDdl("CREATE INDEX i ON t (a)", lite), "CREATE INDEX i ON t (a)");
  EXPECT_EQ(RenderDdl("${SQLITE_ONLY} CREATE TABLE t (a ${SEQ})", lite), "CREATE TABLE t (a INTEGER PRIMARY KEY)");
  EXPECT_EQ(RenderDdl("${SQLITE_ONLY} CREATE TABLE t (a ${SEQ})", my), "");
}

TEST(Store, MysqlUrlOptionsAreChecked) {
  for (const char* url : {"mysql://u@h:3306/db?engine=MyISAM", "mysql://u@h:3306/db?locking=none",
                          "mysql://u@h:3306/db?pool=0", "mysql://u@h:3306/db?bogus=1", "mysql://u@h:3306/db?pool=16abc",
                          "mysql://u@h:3306/db?engine=NDBCLUSTER&locking=serializable"}) {
    auto s = Store::Open(url);
    ASSERT_FALSE(s.ok()) << url;
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument) << url << ": " << s.status().ToString();
  }
}

}  // namespace
}  // namespace hops::meta
