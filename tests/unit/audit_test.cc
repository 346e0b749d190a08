// The audit chain: appends, batching, verification and tamper detection.
#include <gtest/gtest.h>

#include "test_store.h"

#include <filesystem>

#include "meta/store.h"
#include "platform/audit.h"

namespace hops::platform {
namespace {

std::unique_ptr<meta::Store> OpenStore(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("audit_test_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto s = meta::Store::Open(hops::testing::StoreUrl(dir), "normal");
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

void AppendN(meta::Store& s, int n) {
  for (int i = 0; i < n; ++i) {
    Context ctx;
    ctx.who.username = "u" + std::to_string(i);
    ctx.req.action = "test.append";
    ctx.req.success_status = 201;
    ASSERT_TRUE(s.Write([&](meta::Txn& t) { return RecordMutation(t, ctx); }).ok());
    EXPECT_TRUE(ctx.req.recorded);
  }
}

TEST(Audit, ChainVerifies) {
  auto s = OpenStore("verify");
  AppendN(*s, 20);
  auto v = VerifyAudit(*s);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->message;
  EXPECT_EQ(v->records, 20);
}

TEST(Audit, DetectsAlteredRecord) {
  auto s = OpenStore("altered");
  AppendN(*s, 10);
  ASSERT_TRUE(s->Write([](meta::Txn& t) {
                 return t.Exec("UPDATE audit_log SET username = 'mallory' WHERE seq = 4").status();
               }).ok());
  auto v = VerifyAudit(*s);
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_seq, 4);
}

TEST(Audit, DetectsDeletedRecordInMiddleAndAtEnd) {
  auto s = OpenStore("deleted");
  AppendN(*s, 10);
  ASSERT_TRUE(s->Write([](meta::Txn& t) { return t.Exec("DELETE FROM audit_log WHERE seq = 10").status(); }).ok());
  auto v = VerifyAudit(*s);
  EXPECT_FALSE(v->ok);
  ASSERT_TRUE(s->Write([](meta::Txn& t) { return t.Exec("DELETE FROM audit_log WHERE seq = 3").status(); }).ok());
  v = VerifyAudit(*s);
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_seq, 3);
}

TEST(Audit, WriterBatchesAndQueryFilters) {
  auto s = OpenStore("writer");
  {
    AuditWriter w(*s, 50, 1000);
    for (int i = 0; i < 300; ++i) {
      AuditRecord r;
      r.username = i % 2 ? "odd" : "even";
      r.action = "project.get";
      r.outcome = "OK";
      w.Enqueue(r);
    }
    w.Flush();
  }
  AuditFilter f;
  f.user = "odd";
  f.limit = 1000;
  auto recs = QueryAudit(*s, f);
  ASSERT_TRUE(recs.ok());
  EXPECT_EQ(recs->size(), 150u);
  EXPECT_GT(recs->front().seq, recs->back().seq);  // newest first
  EXPECT_TRUE(VerifyAudit(*s)->ok);
}

}  // namespace
}  // namespace hops::platform
