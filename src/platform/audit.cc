// Audit log: chained appends, queries, verification, and the batch writer.
#include "platform/audit.h"

#include <sched.h>
#include <unistd.h>

#include <chrono>

#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "core/thread.h"

namespace hops::platform {
namespace {

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string ChainHash(const AuditRecord& r) {
  std::string s = r.prev_hash;
  auto add = [&s](const std::string& f) {  // length-prefixed: no separator ambiguity
    s += std::to_string(f.size());
    s += ':';
    s += f;
  };
  add(std::to_string(r.seq));
  add(std::to_string(r.ts));
  add(r.username);
  add(r.auth);
  add(r.client);
  add(r.method);
  add(r.route);
  add(r.action);
  add(r.target);
  add(r.project);
  add(r.outcome);
  add(std::to_string(r.status));
  add(std::to_string(r.latency_us));
  add(r.request_id);
  return crypto::Hex(crypto::Sha256(s));
}

constexpr const char* kColumns =
    "seq, ts, username, auth, client, method, route, action, target, project, outcome, status, "
    "latency_us, request_id, prev_hash, hash";

AuditRecord FromRow(const meta::Row& r) {
  AuditRecord a;
  a.seq = r.Int(0);
  a.ts = r.Int(1);
  a.username = r.Str(2);
  a.auth = r.Str(3);
  a.client = r.Str(4);
  a.method = r.Str(5);
  a.route = r.Str(6);
  a.action = r.Str(7);
  a.target = r.Str(8);
  a.project = r.Str(9);
  a.outcome = r.Str(10);
  a.status = r.Int(11);
  a.latency_us = r.Int(12);
  a.request_id = r.Str(13);
  a.prev_hash = r.Str(14);
  a.hash = r.Str(15);
  return a;
}

}  // namespace

AuditRecord RecordFor(const Context& ctx, const std::string& outcome, int status) {
  AuditRecord r;
  r.ts = Clock::Real()->NowMicros();
  r.username = ctx.who.username;
  r.auth = AuthMethodName(ctx.who.method);
  // Bounded and valid UTF-8 (a store may refuse anything else): these fields
  // can carry client-supplied text.
  r.client = Utf8Prefix(ctx.req.client, 64);
  r.route = Utf8Prefix(ctx.req.route, 256);
  r.action = Utf8Prefix(ctx.req.action, 64);
  r.target = Utf8Prefix(ctx.req.target, 256);
  r.project = Utf8Prefix(ctx.req.project, 64);
  r.method = Utf8Prefix(ctx.req.method, 16);
  r.outcome = outcome;
  r.status = status;
  r.latency_us = ctx.req.start_us ? SteadyMicros() - ctx.req.start_us : 0;
  r.request_id = ctx.req.request_id;
  return r;
}

Status AppendAuditBatch(meta::Txn& txn, std::vector<AuditRecord>& recs, const std::function<void()>& pause,
                        size_t pause_every) {
  if (recs.empty()) return Status::Ok();
  HOPS_ASSIGN_OR_RETURN(auto head,
                        txn.QueryOne("SELECT seq, hash FROM audit_head WHERE id = 1" + txn.ForUpdate()));
  if (!head) return Internal("audit head row is missing; the store is damaged");
  int64_t seq = head->Int(0);
  std::string prev = head->Str(1);
  static const std::string kInsert = std::string("INSERT INTO audit_log (") + kColumns +
                                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  size_t since_pause = 0;
  for (AuditRecord& rec : recs) {
    if (pause && ++since_pause > pause_every) {
      pause();
      since_pause = 1;
    }
    rec.seq = ++seq;
    rec.prev_hash = prev;
    rec.hash = ChainHash(rec);
    prev = rec.hash;
    HOPS_RETURN_IF_ERROR(txn.Exec(kInsert, {rec.seq, rec.ts, rec.username, rec.auth, rec.client, rec.method,
                                            rec.route, rec.action, rec.target, rec.project, rec.outcome, rec.status,
                                            rec.latency_us, rec.request_id, rec.prev_hash, rec.hash})
                             .status());
  }
  return txn.Exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", {seq, prev}).status();
}

Status AppendAudit(meta::Txn& txn, AuditRecord& rec) {
  std::vector<AuditRecord> one{rec};
  HOPS_RETURN_IF_ERROR(AppendAuditBatch(txn, one));
  rec = std::move(one.front());
  return Status::Ok();
}

Status RecordMutation(meta::Txn& txn, Context& ctx) {
  AuditRecord r = RecordFor(ctx, "OK", ctx.req.success_status);
  HOPS_RETURN_IF_ERROR(AppendAudit(txn, r));
  ctx.req.recorded = true;
  return Status::Ok();
}

Result<std::vector<AuditRecord>> QueryAudit(meta::Store& store, const AuditFilter& f) {
  std::string sql = std::string("SELECT ") + kColumns + " FROM audit_log WHERE 1 = 1";
  meta::Params params;
  if (f.from_us) sql += " AND ts >= ?", params.emplace_back(*f.from_us);
  if (f.to_us) sql += " AND ts < ?", params.emplace_back(*f.to_us);
  if (!f.user.empty()) sql += " AND username = ?", params.emplace_back(f.user);
  if (!f.project.empty()) sql += " AND project = ?", params.emplace_back(f.project);
  if (!f.action.empty()) sql += " AND action = ?", params.emplace_back(f.action);
  if (!f.outcome.empty()) sql += " AND outcome = ?", params.emplace_back(f.outcome);
  if (f.before_seq) sql += " AND seq < ?", params.emplace_back(*f.before_seq);
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(int64_t{f.limit});
  std::vector<AuditRecord> out;
  HOPS_RETURN_IF_ERROR(store.Read([&](meta::Txn& t) -> Status {
    out.clear();
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query(sql, params));
    for (const auto& r : rows) out.push_back(FromRow(r));
    return Status::Ok();
  }));
  return out;
}

Result<AuditVerification> VerifyAudit(meta::Store& store) {
  AuditVerification v;
  HOPS_RETURN_IF_ERROR(store.Read([&](meta::Txn& t) -> Status {
    v = AuditVerification();
    HOPS_ASSIGN_OR_RETURN(auto head, t.QueryOne("SELECT seq, hash FROM audit_head WHERE id = 1"));
    if (!head) {
      v.ok = false;
      v.message = "the audit head row is missing";
      return Status::Ok();
    }
    std::string prev = "genesis";
    int64_t expect = 1;
    const int64_t kChunk = 5000;
    for (;;) {
      HOPS_ASSIGN_OR_RETURN(auto rows, t.Query(std::string("SELECT ") + kColumns +
                                                   " FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?",
                                               {expect, kChunk}));
      for (const auto& row : rows) {
        AuditRecord r = FromRow(row);
        auto fail = [&](const std::string& why) {
          v.ok = false;
          v.first_bad_seq = r.seq;
          v.message = why;
        };
        if (r.seq != expect) {
          fail("record " + std::to_string(expect) + " is missing");
          v.first_bad_seq = expect;
          return Status::Ok();
        }
        if (r.prev_hash != prev) return fail("record " + std::to_string(r.seq) + " does not follow its predecessor"), Status::Ok();
        if (ChainHash(r) != r.hash) return fail("record " + std::to_string(r.seq) + " was altered"), Status::Ok();
        prev = r.hash;
        ++expect;
        ++v.records;
      }
      if (static_cast<int64_t>(rows.size()) < kChunk) break;
    }
    if (head->Int(0) != expect - 1 || head->Str(1) != prev) {
      v.ok = false;
      v.first_bad_seq = expect;
      v.message = "the log ends at record " + std::to_string(expect - 1) + " but the head says " +
                  std::to_string(head->Int(0)) + ": records were removed from the end";
      return Status::Ok();
    }
    v.message = "all " + std::to_string(v.records) + " records verify";
    return Status::Ok();
  }));
  return v;
}

AuditWriter::AuditWriter(meta::Store& store, int64_t flush_ms, size_t queue_max)
    : store_(store), flush_ms_(flush_ms), queue_max_(queue_max) {
  thread_ = std::thread([this] { Loop(); });
}

AuditWriter::~AuditWriter() { Stop(); }

AuditWriter::Shard& AuditWriter::MyShard() {
  // Threads are spread over the shards round-robin on first use.
  thread_local size_t index = next_shard_.fetch_add(1, std::memory_order_relaxed);
  return shards_[index % kShards];
}

void AuditWriter::Enqueue(AuditRecord rec) {
  if (pending_.load() >= queue_max_) {
    // Back-pressure instead of dropping: the audit log must be complete.
    std::unique_lock lock(mu_);
    cv_.notify_one();
    while (pending_.load() >= queue_max_ && !stop_) space_cv_.wait_for(lock, std::chrono::milliseconds(50));
  }
  // Counted before it is visible to the writer, and uncounted only once
  // written, so `pending_` never underflows and includes a failing batch.
  uint64_t now_pending = pending_.fetch_add(1) + 1;
  Shard& shard = MyShard();
  {
    std::lock_guard lock(shard.mu);
    shard.records.push_back(std::move(rec));
  }
  enqueued_.fetch_add(1, std::memory_order_relaxed);
  if (now_pending == kEagerBatch) {
    std::lock_guard lock(mu_);
    cv_.notify_one();
  }
}

void AuditWriter::TouchApiKey(int64_t api_key_id, int64_t when_us) {
  Shard& shard = MyShard();
  std::lock_guard lock(shard.mu);
  shard.touches[api_key_id] = when_us;
}

void AuditWriter::Flush() {
  uint64_t target = enqueued_.load();
  std::unique_lock lock(mu_);
  flush_requested_ = true;
  cv_.notify_one();
  flushed_cv_.wait(lock, [&] { return written_ >= target || exited_; });
}

void AuditWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_one();
  space_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t AuditWriter::Collect(std::vector<AuditRecord>& batch, std::map<int64_t, int64_t>& touches) {
  size_t n = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.records.size();
    if (batch.empty()) {
      batch.swap(shard.records);
    } else {
      std::move(shard.records.begin(), shard.records.end(), std::back_inserter(batch));
      shard.records.clear();
    }
    for (auto& [id, when] : shard.touches) touches[id] = std::max(touches[id], when);
    shard.touches.clear();
  }
  return n;
}

Status AuditWriter::WriteBatch(std::vector<AuditRecord>& batch, const std::map<int64_t, int64_t>& touches) {
  return store_.Write([&](meta::Txn& t) -> Status {
    // A yield every 128 records (a few hundred microseconds of work): request
    // threads waiting for this CPU get it within that, not at the next
    // scheduler tick (4 ms at HZ=250).
    HOPS_RETURN_IF_ERROR(AppendAuditBatch(t, batch, [] { sched_yield(); }, 128));
    for (auto [id, when] : touches)
      HOPS_RETURN_IF_ERROR(t.Exec("UPDATE api_keys SET last_used_at = ? WHERE id = ?", {when, id}).status());
    return Status::Ok();
  });
}

void AuditWriter::Loop() {
  // The writer runs at normal priority: every request adds to its work, so
  // starving it (a lower priority) only fills the queue until requests wait
  // for a whole batch. In short slices, like the request threads, so that a
  // request never waits behind a long stretch of batch writing.
  thread::Name("hops-audit");
  thread::PreferShortSlices();
  std::vector<AuditRecord> batch;
  std::map<int64_t, int64_t> touches;
  int failures_while_stopping = 0;
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(flush_ms_),
                   [&] { return stop_ || flush_requested_ || pending_.load() >= kEagerBatch; });
      flush_requested_ = false;
      stopping = stop_;
    }
    Collect(batch, touches);
    if (batch.empty() && touches.empty()) {
      if (stopping) break;
      continue;
    }
    Status st = WriteBatch(batch, touches);
    if (!st.ok()) {
      log::Error("audit.batch_failed", {{"records", std::to_string(batch.size())}, {"error", st.ToString()}});
      if (!stopping || ++failures_while_stopping < 5) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;  // keep the batch (new records are appended to it) and try again
      }
      log::Error("audit.records_lost_at_shutdown", {{"records", std::to_string(batch.size())}});
    }
    std::lock_guard lock(mu_);
    written_ += batch.size();
    pending_.fetch_sub(batch.size());
    batch.clear();
    touches.clear();
    flushed_cv_.notify_all();
    space_cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  exited_ = true;
  flushed_cv_.notify_all();
}

}  // namespace hops::platform
