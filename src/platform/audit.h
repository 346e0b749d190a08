// The audit log: an append-only, hash-chained record of every request.
//
// Each record stores the previous record's hash and its own hash,
// SHA-256(prev_hash | fields). A single head row (seq, hash) is updated in
// the same transaction as each append, so appends are serialised and any
// altered, removed or reordered record breaks verification.
//
// Mutations append their record inside their own transaction (no change
// without its record). Reads, failures and rejected logins are queued and
// written in batches by AuditWriter, off the request path.
#pragma once

#include <functional>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "meta/store.h"
#include "platform/principal.h"

namespace hops::platform {

struct AuditRecord {
  int64_t seq = 0;
  int64_t ts = 0;          // wall clock, microseconds
  std::string username;    // "" when unauthenticated
  std::string auth;        // session, apikey, none
  std::string client;
  std::string method;
  std::string route;
  std::string action;
  std::string target;
  std::string project;
  std::string outcome;     // OK or an error code
  int64_t status = 0;      // HTTP status
  int64_t latency_us = 0;
  std::string request_id;
  std::string prev_hash;
  std::string hash;
};

// Builds a record from a request context; latency measured until now.
AuditRecord RecordFor(const Context& ctx, const std::string& outcome, int status);
// Appends inside a write transaction (assigns seq and hashes).
Status AppendAudit(meta::Txn& txn, AuditRecord& rec);
// Appends several records with one read and one update of the chain head.
// `pause`, when given, runs after every `pause_every` records (the batch
// writer yields the CPU there).
Status AppendAuditBatch(meta::Txn& txn, std::vector<AuditRecord>& recs, const std::function<void()>& pause = {},
                        size_t pause_every = 0);
// For services: records a successful mutation in its own transaction.
Status RecordMutation(meta::Txn& txn, Context& ctx);

struct AuditFilter {
  std::optional<int64_t> from_us, to_us;
  std::string user, project, action, outcome;
  int limit = 100;
  std::optional<int64_t> before_seq;  // cursor: records with seq < this
};
Result<std::vector<AuditRecord>> QueryAudit(meta::Store& store, const AuditFilter& filter);

struct AuditVerification {
  bool ok = true;
  int64_t records = 0;
  std::optional<int64_t> first_bad_seq;
  std::string message;
};
Result<AuditVerification> VerifyAudit(meta::Store& store);

// Batches records and appends them on a background thread. Producers append
// to one of several shards (one per thread, mostly uncontended), because on a
// busy machine a request thread that blocks on a shared lock can lose its CPU
// for a whole time slice.
class AuditWriter {
 public:
  AuditWriter(meta::Store& store, int64_t flush_ms, size_t queue_max);
  ~AuditWriter();
  void Enqueue(AuditRecord rec);
  // Notes that an API key was used; written with the next batch (last_used_at).
  void TouchApiKey(int64_t api_key_id, int64_t when_us);
  // Writes everything queued so far (used at shutdown and by tests).
  void Flush();
  void Stop();

 private:
  struct Shard {
    std::mutex mu;
    std::vector<AuditRecord> records;
    std::map<int64_t, int64_t> touches;  // api key id -> last use
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kEagerBatch = 16384;  // wake the writer early at this many

  Shard& MyShard();
  void Loop();
  // Moves everything queued into `batch` and `touches`; returns the record count.
  size_t Collect(std::vector<AuditRecord>& batch, std::map<int64_t, int64_t>& touches);
  Status WriteBatch(std::vector<AuditRecord>& batch, const std::map<int64_t, int64_t>& touches);

  meta::Store& store_;
  int64_t flush_ms_;
  size_t queue_max_;
  std::array<Shard, kShards> shards_;
  std::atomic<size_t> next_shard_{0};
  std::atomic<uint64_t> pending_{0}, enqueued_{0};
  std::mutex mu_;  // guards the fields below; never taken on the request path unless the queue is full
  std::condition_variable cv_, space_cv_, flushed_cv_;
  uint64_t written_ = 0;
  bool stop_ = false, flush_requested_ = false, exited_ = false;
  std::thread thread_;
};

}  // namespace hops::platform
