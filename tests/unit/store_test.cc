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
  Dialect my{"mysql", " FOR UPDATE", ""}, lite{"sqlite", "", ""};
  EXPECT_EQ(RenderDdl("a ${ID}, b ${NAME}", my), "a BIGINT PRIMARY KEY AUTO_INCREMENT, b VARCHAR(255)");
  EXPECT_EQ(RenderDdl("a ${ID}, b ${NAME}", lite), "a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT");
}

}  // namespace
}  // namespace hops::meta
