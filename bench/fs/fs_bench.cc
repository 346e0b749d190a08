// HopsFS benchmark: the Spotify workload mix (as in the HopsFS paper) on a
// pre-built namespace, in-process against the service API and over the
// network API, with the same mix on a local directory through POSIX calls as
// the reference, plus single-operation passes (NNThroughputBenchmark style).
//
//   fs_bench inproc  --inodes N --threads T --seconds S --dir D [--posix-files M]
//   fs_bench net     --url http://host:port --key hops_... --project P --dirs N
//                    --files-per-dir F --conns C --seconds S
//   fs_bench load    --url ... --key ... --project P --dirs N --files-per-dir F   (namespace for
//   `net`)
//
// Prints one line per operation: ops, ops/s, p50 and p99 in microseconds.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fs/fs.h"
#include "meta/store.h"
#include "platform/principal.h"
#include "services/projects.h"

using namespace hops;

namespace {

using Clock = std::chrono::steady_clock;

int64_t Us(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
}

// The Spotify mix (percent of operations), as reported for HopsFS.
struct MixOp {
  const char* name;
  double pct;
};
const MixOp kMix[] = {{"read_file", 68.73}, {"stat_file", 13.0},       {"list_dir", 8.5},     {"stat_dir", 4.0},
                      {"create_file", 2.7}, {"rename_file", 1.3},      {"delete_file", 0.75}, {"list_file", 0.5},
                      {"chown_dir", 0.3},   {"set_replication", 0.14}, {"mkdir", 0.04},       {"chmod", 0.04}};
constexpr int kOps = sizeof(kMix) / sizeof(kMix[0]);

struct Stats {
  std::vector<std::vector<int64_t>> lat = std::vector<std::vector<int64_t>>(kOps);
  int64_t errors = 0;
  void Merge(const Stats& o) {
    for (int i = 0; i < kOps; ++i) lat[i].insert(lat[i].end(), o.lat[i].begin(), o.lat[i].end());
    errors += o.errors;
  }
};

// HOPS_BENCH_READS_ONLY=1 drops the mutations from the mix (to see what they cost).
int PickOp(std::mt19937_64& rng) {
  static std::vector<double> cum = [] {
    const bool reads_only = std::getenv("HOPS_BENCH_READS_ONLY") != nullptr;
    std::vector<double> c;
    double s = 0;
    for (int i = 0; i < kOps; ++i) {
      bool read = i <= 3 || i == 7;
      c.push_back(s += (reads_only && !read) ? 0.0 : kMix[i].pct);
    }
    return c;
  }();
  double x = std::uniform_real_distribution<double>(0, cum.back())(rng);
  return static_cast<int>(std::lower_bound(cum.begin(), cum.end(), x) - cum.begin());
}

void Report(const std::string& label, const Stats& st, double seconds) {
  int64_t total = 0;
  for (auto& v : st.lat) total += static_cast<int64_t>(v.size());
  std::printf("%s total: %ld ops in %.1f s = %.0f ops/s (errors %ld)\n", label.c_str(), total, seconds, total / seconds,
              st.errors);
  std::printf("  %-16s %10s %10s %9s %9s\n", "operation", "ops", "ops/s", "p50_us", "p99_us");
  for (int i = 0; i < kOps; ++i) {
    auto v = st.lat[i];
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    std::printf("  %-16s %10zu %10.0f %9ld %9ld\n", kMix[i].name, v.size(), v.size() / seconds, v[v.size() / 2],
                v[std::min(v.size() - 1, v.size() * 99 / 100)]);
  }
  std::fflush(stdout);
}

// Runs `fn(thread, rng, stats)` on `threads` threads for `seconds`.
double RunFor(int threads, double seconds, Stats& total,
              const std::function<void(int, std::mt19937_64&, Stats&, const std::atomic<bool>&)>& fn) {
  std::atomic<bool> stop{false};
  std::vector<Stats> per(static_cast<size_t>(threads));
  std::vector<std::thread> ts;
  auto t0 = Clock::now();
  for (int i = 0; i < threads; ++i)
    ts.emplace_back([&, i] {
      std::mt19937_64 rng(0x9e3779b97f4a7c15ULL * (i + 1));
      fn(i, rng, per[static_cast<size_t>(i)], stop);
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
  stop = true;
  for (auto& t : ts) t.join();
  double el = std::chrono::duration<double>(Clock::now() - t0).count();
  for (auto& p : per) total.Merge(p);
  return el;
}

std::string Arg(int argc, char** argv, const std::string& name, const std::string& dflt) {
  for (int i = 2; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return dflt;
}

// ---------------------------------------------------------------- in-process

struct Shape {
  int dirs, files;  // files per dir
};

std::string DirName(int d) { return "d" + std::to_string(d); }
std::string FileName(int f) { return "f" + std::to_string(f); }

// Adds /Projects/<project>/Resources/d<i>/f<j> (64-byte inline files) in
// bulk transactions, straight into the store.
Status BulkLoad(meta::Store& store, const std::string& project, const std::string& owner, Shape shape,
                int64_t* loaded_out) {
  int64_t resources = 0;
  HOPS_RETURN_IF_ERROR(store.Read([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto r, t.QueryOne("SELECT i.id FROM inodes i JOIN inodes p ON p.id = i.parent_id "
                                             "WHERE p.parent_id = 2 AND p.name = ? AND i.name = 'Resources'",
                                             {project}));
    if (!r) return NotFound("no project " + project);
    resources = r->Int(0);
    return Status::Ok();
  }));
  const std::string content(64, 'x');
  int64_t loaded = 0;
  for (int d0 = 0; d0 < shape.dirs; d0 += 500) {
    HOPS_RETURN_IF_ERROR(store.Write([&](meta::Txn& t) -> Status {
      for (int d = d0; d < std::min(shape.dirs, d0 + 500); ++d) {
        HOPS_ASSIGN_OR_RETURN(int64_t did, t.Insert("INSERT INTO inodes (parent_id, name, is_dir, owner, grp, perm, "
                                                    "mtime, atime, children) VALUES (?, ?, 1, ?, ?, 509, 1, 1, ?)",
                                                    {resources, DirName(d), owner, project, int64_t{shape.files}}));
        for (int f = 0; f < shape.files; ++f) {
          HOPS_ASSIGN_OR_RETURN(int64_t fid, t.Insert("INSERT INTO inodes (parent_id, name, is_dir, owner, grp, perm, "
                                                      "size, mtime, atime, block_size, replication, inline_data) "
                                                      "VALUES (?, ?, 0, ?, ?, 436, 64, 1, 1, 67108864, 1, 1)",
                                                      {did, FileName(f), owner, project}));
          HOPS_RETURN_IF_ERROR(
              t.Exec("INSERT INTO fs_inline (inode_id, data) VALUES (?, ?)", {fid, meta::Blob{content}}).status());
        }
      }
      return Status::Ok();
    }));
    loaded += static_cast<int64_t>(std::min(shape.dirs, d0 + 500) - d0) * (shape.files + 1);
  }
  HOPS_RETURN_IF_ERROR(store.Write([&](meta::Txn& t) -> Status {
    HOPS_RETURN_IF_ERROR(
        t.Exec("UPDATE inodes SET children = children + ? WHERE id = ?", {int64_t{shape.dirs}, resources}).status());
    return t
        .Exec(
            "UPDATE inodes SET ns_used = ns_used + ?, ds_used = ds_used + ? WHERE parent_id = 2 "
            "AND name = ?",
            {loaded, loaded / (shape.files + 1) * shape.files * 64, project})
        .status();
  }));
  *loaded_out = loaded;
  return Status::Ok();
}

// Loads the namespace for `net` into a stopped server's store.
int Prebuild(int argc, char** argv) {
  // --store URL (any engine), or --db PATH of an embedded store.
  std::string url = Arg(argc, argv, "store", "");
  if (url.empty()) url = "sqlite://" + Arg(argc, argv, "db", "hops-data/meta.db");
  auto store = meta::Store::Open(url, "normal");
  if (!store.ok()) {
    std::cerr << store.status().ToString() << "\n";
    return 1;
  }
  Shape shape{std::stoi(Arg(argc, argv, "dirs", "10000")), std::stoi(Arg(argc, argv, "files-per-dir", "100"))};
  int64_t loaded = 0;
  auto t0 = Clock::now();
  Status st = BulkLoad(**store, Arg(argc, argv, "project", "bench"), Arg(argc, argv, "owner", "bench"), shape, &loaded);
  if (!st.ok()) {
    std::cerr << st.ToString() << "\n";
    return 1;
  }
  std::printf("namespace: %ld inodes (%d dirs x %d files) loaded in %.1f s\n", loaded, shape.dirs, shape.files,
              Us(t0, Clock::now()) / 1e6);
  return 0;
}

int InProcess(int argc, char** argv) {
  const int64_t inodes = std::stoll(Arg(argc, argv, "inodes", "1000000"));
  const int threads = std::stoi(Arg(argc, argv, "threads", "4"));
  const double seconds = std::stod(Arg(argc, argv, "seconds", "10"));
  const std::string dir = Arg(argc, argv, "dir", "/tmp/hops-fs-bench");
  const int64_t posix_files = std::stoll(Arg(argc, argv, "posix-files", "100000"));
  const int files_per_dir = 100;
  Shape shape{static_cast<int>(inodes / (files_per_dir + 1)), files_per_dir};
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  auto store_r = meta::Store::Open("sqlite://" + dir + "/meta.db", "normal");
  if (!store_r.ok()) {
    std::cerr << store_r.status().ToString() << "\n";
    return 1;
  }
  auto store = std::move(*store_r);
  auto blocks = fs::NewLocalBlockStore(dir + "/blocks");
  fs::FsSettings settings;
  fs::FsService fsvc(*store, **blocks, settings);
  // A user and a project; the user is its Data Owner.
  int64_t uid = 0;
  (void)store->Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(uid, t.Insert("INSERT INTO users (username, email, password_hash, role, status, created_at, "
                                        "updated_at) VALUES ('bench', 'b@x', 'x', 'USER', 'ACTIVE', 0, 0)"));
    return Status::Ok();
  });
  services::ProjectService projects(*store, services::ProjectSettings{});
  platform::Context ctx;
  ctx.who.user_id = uid;
  ctx.who.username = "bench";
  ctx.who.method = platform::AuthMethod::kSession;
  ctx.who.scopes = platform::kAllScopes;
  if (auto p = projects.Create(ctx, "bench", ""); !p.ok()) {
    std::cerr << p.status().ToString() << "\n";
    return 1;
  }
  auto t0 = Clock::now();
  int64_t loaded = 0;
  if (Status st = BulkLoad(*store, "bench", "bench", shape, &loaded); !st.ok()) {
    std::cerr << st.ToString() << "\n";
    return 1;
  }
  const std::string content(64, 'x');
  std::printf("namespace: %ld inodes (%d dirs x %d files) loaded in %.1f s\n", loaded, shape.dirs, shape.files,
              Us(t0, Clock::now()) / 1e6);

  auto base = [](int d) { return fs::Path{"Projects", "bench", "Resources", DirName(d)}; };
  auto file = [&](int d, const std::string& f) {
    auto p = base(d);
    p.push_back(f);
    return p;
  };
  // Names unique across runs on one namespace: a later run must not meet an earlier one's files.
  std::atomic<int64_t> seq{static_cast<int64_t>(std::time(nullptr)) * 1000000};
  auto hops_op = [&](int tid, std::mt19937_64& rng, Stats& st, const std::atomic<bool>& stop) {
    platform::Context c = ctx;
    fs::Caller caller{c, "bench", ""};
    std::vector<std::pair<int, std::string>> mine;  // files this thread created
    std::uniform_int_distribution<int> dd(0, shape.dirs - 1), ff(0, shape.files - 1);
    services::PageRequest page;
    page.limit = 100;
    while (!stop.load(std::memory_order_relaxed)) {
      int op = PickOp(rng);
      int d = dd(rng);
      auto s = Clock::now();
      Status r = Status::Ok();
      switch (op) {
        case 0: {
          auto plan = fsvc.OpenRead(caller, file(d, FileName(ff(rng))), 0, std::nullopt);
          r = plan.ok() ? fsvc.ReadTo(*plan, [](std::string_view) { return Status::Ok(); }) : plan.status();
          break;
        }
        case 1:
          r = fsvc.Stat(caller, file(d, FileName(ff(rng)))).status();
          break;
        case 2:
          r = fsvc.List(caller, base(d), page).status();
          break;
        case 3:
          r = fsvc.Stat(caller, base(d)).status();
          break;
        case 4: {
          std::string name = "n" + std::to_string(tid) + "_" + std::to_string(seq++);
          size_t off = 0;
          r = fsvc.Write(caller, file(d, name), fs::WriteMode::kCreate, std::nullopt,
                         [&](char* buf, size_t n) -> Result<size_t> {
                           size_t k = std::min(n, content.size() - off);
                           std::memcpy(buf, content.data() + off, k);
                           off += k;
                           return k;
                         })
                  .status();
          if (r.ok()) mine.emplace_back(d, name);
          break;
        }
        case 5: {
          if (mine.empty()) continue;
          auto& [md, mn] = mine.back();
          std::string to = mn + "r";
          r = fsvc.Rename(caller, file(md, mn), file(md, to), false).status();
          if (r.ok()) mn = to;
          break;
        }
        case 6: {
          if (mine.empty()) continue;
          auto [md, mn] = mine.back();
          mine.pop_back();
          r = fsvc.Delete(caller, file(md, mn), false);
          break;
        }
        case 7:
          r = fsvc.List(caller, file(d, FileName(ff(rng))), page).status();
          break;
        case 8: {
          fs::Attrs a;
          a.owner = "bench";
          r = fsvc.SetAttrs(caller, base(d), a).status();
          break;
        }
        case 9: {
          fs::Attrs a;
          a.replication = 1 + static_cast<int>(rng() % 3);
          r = fsvc.SetAttrs(caller, file(d, FileName(ff(rng))), a).status();
          break;
        }
        case 10: {
          auto p = base(d);
          p.push_back("m" + std::to_string(tid) + "_" + std::to_string(seq++));
          r = fsvc.Mkdirs(caller, p, std::nullopt).status();
          break;
        }
        default: {
          fs::Attrs a;
          a.perm = 0775;
          r = fsvc.SetAttrs(caller, base(d), a).status();
        }
      }
      st.lat[static_cast<size_t>(op)].push_back(Us(s, Clock::now()));
      if (!r.ok() && ++st.errors < 5) std::fprintf(stderr, "%s: %s\n", kMix[op].name, r.ToString().c_str());
    }
  };
  // --mix 0 leaves out the mix; --single 0 the single-operation passes.
  const std::string mix = Arg(argc, argv, "mix", "1"), single = Arg(argc, argv, "single", "1");
  if (mix == "1") {
    Stats st;
    double el = RunFor(threads, seconds, st, hops_op);
    Report("hopsfs in-process mix, " + std::to_string(threads) + " threads,", st, el);
  }

  // Single-operation passes, one thread each kind (NNThroughputBenchmark style).
  if (single != "0") {
    std::printf("single-operation passes (%d threads, %.0f s each):\n", threads, seconds / 2);
    std::printf("  %-16s %10s\n", "operation", "ops/s");
    for (auto [label, kind] : {std::pair{"create", 4}, std::pair{"mkdir", 10}, std::pair{"stat_file", 1},
                               std::pair{"list_dir", 2}, std::pair{"rename", 5}, std::pair{"delete", 6}}) {
      if (single != "1" && single != label) continue;  // --single NAME runs one pass
      std::atomic<int64_t> n{0};
      Stats st;
      // rename and delete work on files created here first.
      std::vector<std::vector<std::pair<int, std::string>>> made(static_cast<size_t>(threads));
      if (kind == 5 || kind == 6) {
        RunFor(threads, seconds / 4, st, [&](int tid, std::mt19937_64& rng, Stats&, const std::atomic<bool>& stop) {
          platform::Context c = ctx;
          fs::Caller caller{c, "bench", ""};
          while (!stop) {
            int d = static_cast<int>(rng() % shape.dirs);
            std::string name = "s" + std::to_string(tid) + "_" + std::to_string(seq++);
            size_t off = 0;
            auto w = fsvc.Write(caller, file(d, name), fs::WriteMode::kCreate, std::nullopt,
                                [&](char* buf, size_t k) -> Result<size_t> {
                                  size_t m = std::min(k, content.size() - off);
                                  std::memcpy(buf, content.data() + off, m);
                                  off += m;
                                  return m;
                                });
            if (w.ok()) made[static_cast<size_t>(tid)].emplace_back(d, name);
          }
        });
      }
      Stats pass;
      double el =
          RunFor(threads, seconds / 2, pass, [&](int tid, std::mt19937_64& rng, Stats&, const std::atomic<bool>& stop) {
            platform::Context c = ctx;
            fs::Caller caller{c, "bench", ""};
            services::PageRequest page;
            page.limit = 100;
            auto& pool = made[static_cast<size_t>(tid)];
            while (!stop) {
              int d = static_cast<int>(rng() % shape.dirs);
              Status r = Status::Ok();
              if (kind == 4) {
                size_t off = 0;
                r = fsvc.Write(caller, file(d, "c" + std::to_string(tid) + "_" + std::to_string(seq++)),
                               fs::WriteMode::kCreate, std::nullopt,
                               [&](char* buf, size_t k) -> Result<size_t> {
                                 size_t m = std::min(k, content.size() - off);
                                 std::memcpy(buf, content.data() + off, m);
                                 off += m;
                                 return m;
                               })
                        .status();
              } else if (kind == 10) {
                auto p = base(d);
                p.push_back("k" + std::to_string(tid) + "_" + std::to_string(seq++));
                r = fsvc.Mkdirs(caller, p, std::nullopt).status();
              } else if (kind == 1) {
                r = fsvc.Stat(caller, file(d, FileName(static_cast<int>(rng() % shape.files)))).status();
              } else if (kind == 2) {
                r = fsvc.List(caller, base(d), page).status();
              } else {
                if (pool.empty()) break;
                auto [md, mn] = pool.back();
                pool.pop_back();
                r = kind == 5 ? fsvc.Rename(caller, file(md, mn), file(md, mn + "x"), false).status()
                              : fsvc.Delete(caller, file(md, mn), false);
              }
              if (r.ok()) n++;
            }
          });
      std::printf("  %-16s %10.0f\n", label, n / el);
    }
  }

  // The reference: the same mix through POSIX calls on a local directory.
  if (posix_files > 0) {
    std::string root = dir + "/posix";
    int pdirs = static_cast<int>(posix_files / shape.files);
    auto pt0 = Clock::now();
    for (int d = 0; d < pdirs; ++d) {
      std::string dp = root + "/" + DirName(d);
      std::filesystem::create_directories(dp);
      for (int f = 0; f < shape.files; ++f) {
        int fd = ::open((dp + "/" + FileName(f)).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
          (void)!::write(fd, content.data(), content.size());
          ::close(fd);
        }
      }
    }
    std::printf("posix namespace: %d files in %d dirs created in %.1f s\n", pdirs * shape.files, pdirs,
                Us(pt0, Clock::now()) / 1e6);
    std::atomic<int64_t> pseq{0};
    Stats st;
    double el =
        RunFor(threads, seconds, st, [&](int tid, std::mt19937_64& rng, Stats& s, const std::atomic<bool>& stop) {
          std::vector<std::string> mine;
          char buf[4096];
          while (!stop) {
            int op = PickOp(rng);
            std::string dp = root + "/" + DirName(static_cast<int>(rng() % pdirs));
            std::string fp = dp + "/" + FileName(static_cast<int>(rng() % shape.files));
            auto t = Clock::now();
            struct stat sb {};
            switch (op) {
              case 0: {
                int fd = ::open(fp.c_str(), O_RDONLY);
                if (fd >= 0) {
                  (void)!::read(fd, buf, sizeof buf);
                  ::close(fd);
                }
                break;
              }
              case 1:
                ::stat(fp.c_str(), &sb);
                break;
              case 2: {
                DIR* dd = ::opendir(dp.c_str());
                int k = 0;
                while (dd && ::readdir(dd) && ++k < 100) {
                }
                if (dd) ::closedir(dd);
                break;
              }
              case 3:
                ::stat(dp.c_str(), &sb);
                break;
              case 4: {
                std::string np = dp + "/n" + std::to_string(tid) + "_" + std::to_string(pseq++);
                int fd = ::open(np.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
                if (fd >= 0) {
                  (void)!::write(fd, content.data(), content.size());
                  ::close(fd);
                  mine.push_back(np);
                }
                break;
              }
              case 5:
                if (mine.empty()) continue;
                if (::rename(mine.back().c_str(), (mine.back() + "r").c_str()) == 0) mine.back() += "r";
                break;
              case 6:
                if (mine.empty()) continue;
                ::unlink(mine.back().c_str());
                mine.pop_back();
                break;
              case 7:
                ::stat(fp.c_str(), &sb);
                break;
              case 8:
                (void)!::chown(dp.c_str(), ::getuid(), ::getgid());
                break;
              case 9:
                ::chmod(fp.c_str(), 0644);
                break;  // no replication on a local disk
              case 10:
                ::mkdir((dp + "/m" + std::to_string(tid) + "_" + std::to_string(pseq++)).c_str(), 0755);
                break;
              default:
                ::chmod(dp.c_str(), 0755);
            }
            s.lat[static_cast<size_t>(op)].push_back(Us(t, Clock::now()));
          }
        });
    Report("posix reference mix, " + std::to_string(threads) + " threads,", st, el);
  }
  return 0;
}

// One directory with N entries: list pages at the start and the middle, stat
// and create inside it (HDFS-style listing of a huge directory).
int BigDir(int argc, char** argv) {
  const int entries = std::stoi(Arg(argc, argv, "entries", "1000000"));
  const std::string dir = Arg(argc, argv, "dir", "/tmp/hops-fs-bigdir");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = std::move(meta::Store::Open("sqlite://" + dir + "/meta.db", "normal")).value();
  auto blocks = std::move(fs::NewLocalBlockStore(dir + "/blocks")).value();
  fs::FsService fsvc(*store, *blocks, fs::FsSettings{});
  platform::Context ctx;
  (void)store->Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(ctx.who.user_id, t.Insert("INSERT INTO users (username, email, password_hash, role, status, "
                                                    "created_at, updated_at) VALUES ('bench', 'b@x', 'x', 'USER', "
                                                    "'ACTIVE', 0, 0)"));
    return Status::Ok();
  });
  ctx.who.username = "bench";
  ctx.who.method = platform::AuthMethod::kSession;
  ctx.who.scopes = platform::kAllScopes;
  services::ProjectService projects(*store, services::ProjectSettings{});
  if (!projects.Create(ctx, "bench", "").ok()) return 1;
  int64_t loaded = 0;
  auto t0 = Clock::now();
  if (!BulkLoad(*store, "bench", "bench", Shape{1, entries}, &loaded).ok()) return 1;
  std::printf("one directory with %d entries loaded in %.1f s\n", entries, Us(t0, Clock::now()) / 1e6);
  fs::Caller caller{ctx, "bench", ""};
  fs::Path d{"Projects", "bench", "Resources", "d0"};
  auto time_it = [&](const char* what, int reps, const std::function<Status()>& fn) {
    std::vector<int64_t> lat;
    for (int i = 0; i < reps; ++i) {
      auto s = Clock::now();
      Status st = fn();
      lat.push_back(Us(s, Clock::now()));
      if (!st.ok()) std::fprintf(stderr, "%s: %s\n", what, st.ToString().c_str());
    }
    std::sort(lat.begin(), lat.end());
    std::printf("  %-40s p50 %6ld us  p99 %6ld us\n", what, lat[lat.size() / 2], lat[lat.size() * 99 / 100]);
  };
  services::PageRequest first;
  first.limit = 1000;
  services::PageRequest middle = first;
  middle.after = FileName(entries / 2);
  std::mt19937_64 rng(7);
  time_it("list first 1000 entries", 200, [&] { return fsvc.List(caller, d, first).status(); });
  time_it("list 1000 entries from the middle", 200, [&] { return fsvc.List(caller, d, middle).status(); });
  time_it("stat a random entry", 2000, [&] {
    auto p = d;
    p.push_back(FileName(static_cast<int>(rng() % entries)));
    return fsvc.Stat(caller, p).status();
  });
  int k = 0;
  time_it("create a file in it", 500, [&] {
    auto p = d;
    p.push_back("new" + std::to_string(k++));
    size_t off = 0;
    return fsvc
        .Write(caller, p, fs::WriteMode::kCreate, std::nullopt,
               [&](char* buf, size_t n) -> Result<size_t> {
                 size_t m = std::min<size_t>(n, 8 - off);
                 std::memset(buf, 'x', m);
                 off += m;
                 return m;
               })
        .status();
  });
  return 0;
}

// ---------------------------------------------------------------- network

// A minimal keep-alive HTTP/1.1 client over one socket.
class Conn {
 public:
  Conn(const std::string& host, int port, std::string auth) : auth_(std::move(auth)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      std::perror("connect");
      std::exit(1);
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Conn() { ::close(fd_); }
  // Returns the status code, or -1 on a broken connection.
  int Call(const std::string& method, const std::string& target, const std::string& body = "",
           const char* ctype = "application/json") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth_ + "\r\n";
    if (!body.empty() || method == "PUT" || method == "POST")
      req += std::string("Content-Type: ") + ctype + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return -1;
    // Read the header, then Content-Length bytes.
    for (;;) {
      size_t end = in_.find("\r\n\r\n");
      if (end != std::string::npos) {
        int status = std::atoi(in_.c_str() + 9);
        size_t cl = 0;
        std::string head = in_.substr(0, end);
        for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        size_t p = head.find("content-length:");
        if (p != std::string::npos) cl = std::strtoull(head.c_str() + p + 15, nullptr, 10);
        while (in_.size() < end + 4 + cl)
          if (!Fill()) return -1;
        in_.erase(0, end + 4 + cl);
        return status;
      }
      if (!Fill()) return -1;
    }
  }

 private:
  bool Fill() {
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }
  int fd_;
  std::string auth_, in_;
};

struct NetTarget {
  std::vector<std::pair<std::string, int>> servers;  // --url takes a comma-separated list: connections alternate
  std::string auth, project;
  int dirs, files;
  const std::pair<std::string, int>& For(int conn) const { return servers[static_cast<size_t>(conn) % servers.size()]; }
};

NetTarget ParseNet(int argc, char** argv) {
  NetTarget t;
  std::string urls = Arg(argc, argv, "url", "http://127.0.0.1:8181");
  for (size_t start = 0; start < urls.size();) {
    size_t comma = urls.find(',', start);
    std::string url = urls.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto hp = url.substr(url.find("://") + 3);
    t.servers.emplace_back(hp.substr(0, hp.find(':')), std::stoi(hp.substr(hp.find(':') + 1)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  t.auth = "ApiKey " + Arg(argc, argv, "key", "");
  t.project = Arg(argc, argv, "project", "bench");
  t.dirs = std::stoi(Arg(argc, argv, "dirs", "100"));
  t.files = std::stoi(Arg(argc, argv, "files-per-dir", "100"));
  return t;
}

int Load(int argc, char** argv) {
  NetTarget t = ParseNet(argc, argv);
  const int conns = std::stoi(Arg(argc, argv, "conns", "8"));
  std::atomic<int> next{0}, bad{0};
  std::vector<std::thread> ts;
  auto t0 = Clock::now();
  for (int c = 0; c < conns; ++c)
    ts.emplace_back([&, c] {
      Conn conn(t.For(c).first, t.For(c).second, t.auth);
      for (int d; (d = next++) < t.dirs;)
        for (int f = 0; f < t.files; ++f)
          if (conn.Call("PUT",
                        "/api/v1/projects/" + t.project + "/datasets/Resources/" + DirName(d) + "/" + FileName(f),
                        std::string(64, 'x'), "application/octet-stream") != 201)
            bad++;
    });
  for (auto& th : ts) th.join();
  std::printf("loaded %d files over the network in %.1f s (%d failed)\n", t.dirs * t.files, Us(t0, Clock::now()) / 1e6,
              bad.load());
  return bad ? 1 : 0;
}

int Net(int argc, char** argv) {
  NetTarget t = ParseNet(argc, argv);
  const int conns = std::stoi(Arg(argc, argv, "conns", "32"));
  const double seconds = std::stod(Arg(argc, argv, "seconds", "10"));
  // Names unique across runs on one namespace: a later run must not meet an earlier one's files.
  std::atomic<int64_t> seq{static_cast<int64_t>(std::time(nullptr)) * 1000000};
  Stats st;
  const std::string base = "/api/v1/projects/" + t.project + "/datasets/Resources/";
  double el = RunFor(conns, seconds, st, [&](int tid, std::mt19937_64& rng, Stats& s, const std::atomic<bool>& stop) {
    Conn c(t.For(tid).first, t.For(tid).second, t.auth);
    std::vector<std::string> mine;
    while (!stop) {
      int op = PickOp(rng);
      std::string dp = base + DirName(static_cast<int>(rng() % t.dirs));
      std::string fp = dp + "/" + FileName(static_cast<int>(rng() % t.files));
      auto t0 = Clock::now();
      int code = 0, want = 200;
      switch (op) {
        case 0:
          code = c.Call("GET", fp + "?action=download");
          break;
        case 1:
          code = c.Call("GET", fp);
          break;
        case 2:
          code = c.Call("GET", dp + "?action=list&limit=100");
          break;
        case 3:
          code = c.Call("GET", dp);
          break;
        case 4: {
          std::string np = dp + "/n" + std::to_string(tid) + "_" + std::to_string(seq++);
          code = c.Call("PUT", np, std::string(64, 'y'), "application/octet-stream");
          want = 201;
          if (code == 201) mine.push_back(np);
          break;
        }
        case 5: {
          if (mine.empty()) continue;
          std::string rel = mine.back().substr(mine.back().find("/datasets/") + 10) + "r";
          code = c.Call("POST", mine.back() + "?action=move", "{\"destination\":\"" + rel + "\"}");
          if (code == 200) mine.back() += "r";
          break;
        }
        case 6:
          if (mine.empty()) continue;
          code = c.Call("DELETE", mine.back());
          want = 204;
          mine.pop_back();
          break;
        case 7:
          code = c.Call("GET", fp + "?action=list");
          break;
        case 8:
          code = c.Call("PATCH", dp, "{\"owner\":\"bench\"}");
          break;
        case 9:
          code = c.Call("PATCH", fp, "{\"replication\":" + std::to_string(1 + rng() % 3) + "}");
          break;
        case 10:
          code = c.Call("POST", dp + "/m" + std::to_string(tid) + "_" + std::to_string(seq++) + "?action=mkdirs");
          want = 201;
          break;
        default:
          code = c.Call("PATCH", dp, "{\"permission\":\"775\"}");
      }
      s.lat[static_cast<size_t>(op)].push_back(Us(t0, Clock::now()));
      if (code != want && ++s.errors < 5) std::fprintf(stderr, "%s: HTTP %d\n", kMix[op].name, code);
      if (code < 0) return;
    }
  });
  Report("hopsfs network mix, " + std::to_string(conns) + " connections to " + std::to_string(t.servers.size()) +
             " server(s),",
         st, el);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "inproc") return InProcess(argc, argv);
  if (mode == "net") return Net(argc, argv);
  if (mode == "load") return Load(argc, argv);
  if (mode == "prebuild") return Prebuild(argc, argv);
  if (mode == "bigdir") return BigDir(argc, argv);
  std::fprintf(stderr, "usage: fs_bench inproc|net|load [--options]; see bench/fs/run.sh\n");
  return 2;
}
