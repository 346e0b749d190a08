// HopsFS units: path rules, the local block store (and its fault-injecting
// wrapper), and the service directly (no HTTP): the data path, checksums on
// read, rename rules, quotas, the subtree delete and fsck.
#include "fs/fs.h"

#include <gtest/gtest.h>

#include "test_store.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "fs/block_store.h"
#include "fs/path.h"
#include "meta/store.h"
#include "services/projects.h"

namespace hops::fs {
namespace {

TEST(FsPath, NormalisesAndRefusesEscapes) {
  EXPECT_EQ(ParsePath("/a//b/./c/").value(), (Path{"a", "b", "c"}));
  EXPECT_EQ(ParsePath("a/b/../c").value(), (Path{"a", "c"}));
  EXPECT_TRUE(ParsePath("").value().empty());
  EXPECT_EQ(ParsePath("../x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParsePath("a/../../x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParsePath(std::string("a\0b", 3)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParsePath(std::string(256, 'n')).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParsePath(std::string(5000, 'a')).status().code(), Code::kInvalidArgument);
}

TEST(FsPath, Names) {
  EXPECT_TRUE(ValidateName("data.csv").ok());
  EXPECT_TRUE(ValidateName(std::string(255, 'x')).ok());
  for (std::string bad : {std::string(""), std::string("."), std::string(".."), std::string("a/b"), std::string("a:b"),
                          std::string(256, 'x'), std::string("a\0b", 3)})
    EXPECT_EQ(ValidateName(bad).code(), Code::kInvalidArgument) << bad;
  EXPECT_EQ(JoinPath({"Projects", "p"}), "/Projects/p");
  EXPECT_EQ(JoinPath({}), "/");
}

std::filesystem::path TestDir(const char* what) {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             (std::string(what) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
              std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(LocalBlockStore, WriteReadListDelete) {
  auto dir = TestDir("blocks");
  auto bs = NewLocalBlockStore(dir.string()).value();
  const std::string id = "00112233445566778899aabbccddeeff";
  {
    auto w = bs->Create(id).value();
    ASSERT_TRUE(w->Append("hello ").ok());
    ASSERT_TRUE(w->Append("world").ok());
    ASSERT_TRUE(w->Finish().ok());
  }
  char buf[32];
  EXPECT_EQ(bs->ReadAt(id, 6, buf, sizeof buf).value(), 5u);
  EXPECT_EQ(std::string(buf, 5), "world");
  EXPECT_EQ(bs->Size(id).value(), 11u);
  int listed = 0;
  ASSERT_TRUE(bs->List([&](const BlockInfo& b) { listed += b.id == id; }).ok());
  EXPECT_EQ(listed, 1);
  // A writer dropped before Finish leaves nothing behind.
  const std::string id2 = "ffeeddccbbaa99887766554433221100";
  { ASSERT_TRUE(bs->Create(id2).value()->Append("partial").ok()); }
  EXPECT_EQ(bs->Size(id2).status().code(), Code::kNotFound);
  ASSERT_TRUE(bs->Delete(id).ok());
  ASSERT_TRUE(bs->Delete(id).ok());  // absent is fine
  EXPECT_EQ(bs->ReadAt(id, 0, buf, 1).status().code(), Code::kNotFound);
}

TEST(LocalBlockStore, CapacityLimitReportsNoSpace) {
  auto dir = TestDir("blocks");
  auto bs = NewCapacityLimitedBlockStore(NewLocalBlockStore(dir.string()).value(), 10);
  auto w = bs->Create("0123456789abcdef0123456789abcdef").value();
  ASSERT_TRUE(w->Append("12345").ok());
  EXPECT_EQ(w->Append("1234567").code(), Code::kInsufficientStorage);
}

class FsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TestDir("fs");
    std::filesystem::create_directories(dir_);
    store_ = std::move(meta::Store::Open(hops::testing::StoreUrl(dir_), "normal")).value();
    blocks_ = NewLocalBlockStore((dir_ / "blocks").string()).value();
    FsSettings s;
    s.inline_max = 100;
    s.block_size = 1 << 20;
    s.gc_grace_s = 0;
    fs_ = std::make_unique<FsService>(*store_, *blocks_, s);
    ctx_ = NewUser("ann");
    services::ProjectService projects(*store_, services::ProjectSettings{});
    ASSERT_TRUE(projects.Create(ctx_, "proj", "").ok());
  }
  // A user in the store, and a context that acts as them with every scope.
  platform::Context NewUser(const std::string& name) {
    platform::Context ctx;
    Status st = store_->Write([&](meta::Txn& t) -> Status {
      HOPS_ASSIGN_OR_RETURN(ctx.who.user_id,
                            t.Insert("INSERT INTO users (username, email, password_hash, role, status, created_at, "
                                     "updated_at) VALUES (?, ?, 'x', 'USER', 'ACTIVE', 0, 0)",
                                     {name, name + "@x"}));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    ctx.who.username = name;
    ctx.who.method = platform::AuthMethod::kSession;
    ctx.who.scopes = platform::kAllScopes;
    return ctx;
  }
  Path P(const std::string& rel) {
    Path p{"Projects", "proj"};
    Path rest = ParsePath(rel).value();
    p.insert(p.end(), rest.begin(), rest.end());
    return p;
  }
  Result<FileStatus> Put(const std::string& rel, const std::string& data, WriteMode mode = WriteMode::kCreate) {
    size_t off = 0;
    Caller c{ctx_, "test", ""};
    return fs_->Write(c, P(rel), mode, std::nullopt, [&](char* buf, size_t n) -> Result<size_t> {
      size_t k = std::min(n, data.size() - off);
      std::memcpy(buf, data.data() + off, k);
      off += k;
      return k;
    });
  }
  Result<std::string> Get(const std::string& rel) {
    Caller c{ctx_, "test", ""};
    HOPS_ASSIGN_OR_RETURN(auto plan, fs_->OpenRead(c, P(rel), 0, std::nullopt));
    std::string out;
    HOPS_RETURN_IF_ERROR(fs_->ReadTo(plan, [&](std::string_view b) {
      out.append(b);
      return Status::Ok();
    }));
    return out;
  }
  std::filesystem::path dir_;
  std::unique_ptr<meta::Store> store_;
  std::unique_ptr<BlockStore> blocks_;
  std::unique_ptr<FsService> fs_;
  platform::Context ctx_;
};

TEST_F(FsServiceTest, InlineAndBlockFilesRoundTrip) {
  std::string small(100, 's'), big(3 * (1 << 20) + 7, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31);
  EXPECT_TRUE(Put("Resources/small", small).value().inode.inline_data);
  EXPECT_FALSE(Put("Resources/big", big).value().inode.inline_data);
  EXPECT_EQ(Get("Resources/small").value(), small);
  EXPECT_EQ(Get("Resources/big").value(), big);
  EXPECT_EQ(Put("Resources/big", "x").status().code(), Code::kAlreadyExists);
  ASSERT_TRUE(Put("Resources/small", std::string(50, 'a'), WriteMode::kAppend).ok());  // becomes blocks
  EXPECT_EQ(Get("Resources/small").value(), small + std::string(50, 'a'));
  Caller c{ctx_, "test", ""};
  EXPECT_EQ(fs_->Checksum(c, P("Resources/big")).value().size(), 32u);
  EXPECT_TRUE(fs_->Fsck(false, true).value().healthy());
}

TEST_F(FsServiceTest, CorruptBlockIsNeverReturned) {
  std::string big(2 << 20, 'b');
  ASSERT_TRUE(Put("Resources/big", big).ok());
  for (auto& e : std::filesystem::recursive_directory_iterator(dir_ / "blocks")) {
    if (!e.is_regular_file()) continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12345);
    f.put('X');
  }
  auto got = Get("Resources/big");
  EXPECT_EQ(got.status().code(), Code::kInternal);
  EXPECT_NE(got.status().message().find("checksum"), std::string::npos);
  auto rep = fs_->Fsck(false, true).value();
  EXPECT_FALSE(rep.healthy());
  EXPECT_EQ(rep.corrupt_blocks.size(), 2u);
}

TEST_F(FsServiceTest, RenameRules) {
  Caller c{ctx_, "test", ""};
  ASSERT_TRUE(fs_->Mkdirs(c, P("Resources/a/b"), std::nullopt).ok());
  EXPECT_EQ(fs_->Rename(c, P("Resources/a"), P("Resources/a/b/c"), false).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(fs_->Rename(c, P("Resources/a"), P("Resources/x/y"), false).status().code(), Code::kNotFound);
  ASSERT_TRUE(fs_->Rename(c, P("Resources/a"), P("Logs/a2"), false).ok());
  EXPECT_TRUE(fs_->Stat(c, P("Logs/a2/b")).ok());
  EXPECT_EQ(fs_->Rename(c, P("Logs"), P("Resources/x"), false).status().code(), Code::kInvalidArgument);
  ASSERT_TRUE(fs_->Rename(c, P("Logs"), P("Logs2"), false).ok());  // a dataset renamed
}

TEST_F(FsServiceTest, QuotasAndSubtreeDelete) {
  Caller c{ctx_, "test", ""};
  ASSERT_TRUE(fs_->Mkdirs(c, P("Resources/q"), std::nullopt).ok());
  Attrs a;
  a.ns_quota = 4;
  a.ds_quota = 300;
  ASSERT_TRUE(fs_->SetAttrs(c, P("Resources/q"), a).ok());
  ASSERT_TRUE(Put("Resources/q/one", std::string(200, '1')).ok());
  EXPECT_EQ(Put("Resources/q/two", std::string(200, '2')).status().code(), Code::kQuotaExceeded);
  EXPECT_EQ(fs_->Stat(c, P("Resources/q/two")).status().code(), Code::kNotFound);
  ASSERT_TRUE(fs_->Mkdirs(c, P("Resources/q/d1"), std::nullopt).ok());
  ASSERT_TRUE(fs_->Mkdirs(c, P("Resources/q/d2"), std::nullopt).ok());
  EXPECT_EQ(fs_->Mkdirs(c, P("Resources/q/d3"), std::nullopt).status().code(), Code::kQuotaExceeded);
  // A tree of a few thousand entries goes through the batched subtree delete.
  for (int i = 0; i < 30; ++i)
    for (int j = 0; j < 100; ++j) ASSERT_TRUE(Put("Logs/t/d" + std::to_string(i) + "/f" + std::to_string(j), "x").ok());
  EXPECT_EQ(fs_->Delete(c, P("Logs/t"), false).code(), Code::kConflict);
  ASSERT_TRUE(fs_->Delete(c, P("Logs/t"), true).ok());
  EXPECT_EQ(fs_->Stat(c, P("Logs/t")).status().code(), Code::kNotFound);
  auto gc = fs_->CollectGarbage().value();
  (void)gc;
  auto rep = fs_->Fsck(false, false).value();
  EXPECT_TRUE(rep.healthy()) << (rep.usage_mismatches.empty() ? "" : rep.usage_mismatches[0]);
  EXPECT_EQ(rep.trash_inodes, 0);
  auto summary = fs_->ContentSummary(c, P("Resources/q")).value();
  EXPECT_EQ(summary.files, 1);
  EXPECT_EQ(summary.dirs, 3);
  EXPECT_EQ(summary.ns_quota, 4);
}

// Two services on one store stand for two hopsd processes: directory lookups
// one of them cached must not survive a rename or delete made by the other.
TEST_F(FsServiceTest, CachedDirectoriesFollowOtherProcessesChanges) {
  FsService other(*store_, *blocks_, FsSettings{});
  Caller c{ctx_, "test", ""};
  ASSERT_TRUE(Put("Resources/a/b/f", "1").ok());
  ASSERT_TRUE(fs_->Stat(c, P("Resources/a/b/f")).ok());  // fills this service's cache
  ASSERT_TRUE(other.Rename(c, P("Resources/a"), P("Resources/z"), false).ok());
  EXPECT_EQ(fs_->Stat(c, P("Resources/a/b/f")).status().code(), Code::kNotFound);
  EXPECT_TRUE(fs_->Stat(c, P("Resources/z/b/f")).ok());
  ASSERT_TRUE(other.Delete(c, P("Resources/z/b"), true).ok());
  ASSERT_TRUE(other.Mkdirs(c, P("Resources/z/b"), std::nullopt).ok());  // same name, a new directory
  EXPECT_EQ(fs_->Stat(c, P("Resources/z/b/f")).status().code(), Code::kNotFound);
  EXPECT_EQ(Get("Resources/z/b/f").status().code(), Code::kNotFound);
  Attrs a;
  a.provenance = "full";
  ASSERT_TRUE(other.SetAttrs(c, P("Resources"), a).ok());
  ASSERT_TRUE(Put("Resources/z/b/g", "2").ok());
  ASSERT_TRUE(Get("Resources/z/b/g").ok());  // recorded as a read: the dataset's level is seen
  int reads = 0;
  ASSERT_TRUE(store_->Read([&](meta::Txn& t) -> Status {
                HOPS_ASSIGN_OR_RETURN(auto r, t.QueryOne("SELECT COUNT(*) FROM fs_provenance WHERE op = 'read'"));
                reads = static_cast<int>(r->Int(0));
                return Status::Ok();
              }).ok());
  EXPECT_EQ(reads, 1);
}

// Memberships are cached with the directories: a member removed, or a project
// deleted, through another server loses access at once.
TEST_F(FsServiceTest, CachedMembershipsFollowOtherProcessesChanges) {
  services::ProjectService projects(*store_, services::ProjectSettings{});
  platform::Context bob = NewUser("bob");
  ASSERT_TRUE(projects.AddMember(ctx_, "proj", "bob", services::kDataScientist).ok());
  ASSERT_TRUE(Put("Resources/d/f", "1").ok());
  Caller as_bob{bob, "test", ""};
  for (int i = 0; i < 2; ++i) {  // the second read takes the membership from the cache
    ASSERT_TRUE(fs_->Stat(as_bob, P("Resources/d/f")).ok());
    ASSERT_TRUE(fs_->OpenRead(as_bob, P("Resources/d/f"), 0, std::nullopt).ok());
  }
  ASSERT_TRUE(projects.RemoveMember(ctx_, "proj", "bob").ok());
  EXPECT_EQ(fs_->Stat(as_bob, P("Resources/d/f")).status().code(), Code::kNotFound);
  EXPECT_EQ(fs_->OpenRead(as_bob, P("Resources/d/f"), 0, std::nullopt).status().code(), Code::kNotFound);
  EXPECT_EQ(fs_->List(as_bob, P("Resources/d"), services::PageRequest{}).status().code(), Code::kNotFound);
  // Back in, and the owner's cached view goes when the project does.
  ASSERT_TRUE(projects.AddMember(ctx_, "proj", "bob", services::kDataScientist).ok());
  ASSERT_TRUE(fs_->Stat(as_bob, P("Resources/d/f")).ok());
  Caller c{ctx_, "test", ""};
  ASSERT_TRUE(fs_->Stat(c, P("Resources/d/f")).ok());
  ASSERT_TRUE(projects.Delete(ctx_, "proj").ok());
  EXPECT_EQ(fs_->Stat(c, P("Resources/d/f")).status().code(), Code::kNotFound);
  EXPECT_EQ(fs_->Stat(as_bob, P("Resources/d/f")).status().code(), Code::kNotFound);
  ASSERT_TRUE(projects.Create(ctx_, "proj", "").ok());  // the same name again: a new, empty project
  EXPECT_EQ(fs_->Stat(c, P("Resources/d/f")).status().code(), Code::kNotFound);
  EXPECT_TRUE(fs_->Stat(c, P("Resources")).ok());
  EXPECT_EQ(fs_->Stat(as_bob, P("Resources")).status().code(), Code::kNotFound);
}

TEST_F(FsServiceTest, XattrRules) {
  Caller c{ctx_, "test", ""};
  ASSERT_TRUE(Put("Resources/x", "x").ok());
  EXPECT_TRUE(fs_->SetXattr(c, P("Resources/x"), "user.a", "1", "").ok());
  EXPECT_EQ(fs_->SetXattr(c, P("Resources/x"), "provenance.a", "1", "").code(), Code::kPermissionDenied);
  EXPECT_EQ(fs_->SetXattr(c, P("Resources/x"), "a", "1", "").code(), Code::kInvalidArgument);
  EXPECT_EQ(fs_->SetXattr(c, P("Resources/x"), "user.b", std::string(65537, 'v'), "").code(), Code::kInvalidArgument);
  EXPECT_EQ(fs_->GetXattrs(c, P("Resources/x"), {}).value().at("user.a"), "1");
  EXPECT_EQ(fs_->RemoveXattr(c, P("Resources/x"), "user.zz").code(), Code::kNotFound);
}

}  // namespace
}  // namespace hops::fs
