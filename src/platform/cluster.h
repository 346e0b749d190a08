// Several hopsd on one shared store: who is alive, who does background work.
//
// Each data directory has a persistent server id (<data_dir>/server.id). A
// running server heartbeats its row in `servers`; a server whose heartbeat is
// older than the lease is dead, and what it owned (writes in flight, subtree
// locks) may be cleaned up by others. At start a server cleans up what its
// own previous run left. Background work that must run once per cluster (the
// HopsFS collector) is guarded by a named lease in `leases`, renewed by its
// holder and taken over when it lapses, as HopsFS's leader election does.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "meta/store.h"

namespace hops::platform {

class Cluster {
 public:
  Cluster(meta::Store& store, const Clock* clock, std::string server_id, std::string address, int64_t lease_s)
      : store_(store), clock_(clock), id_(std::move(server_id)), address_(std::move(address)), lease_us_(lease_s * 1000000) {}
  ~Cluster() { Stop(); }

  // Reads or creates the persistent id in `data_dir`.
  static Result<std::string> ServerId(const std::string& data_dir);

  // Registers this server and starts heartbeating.
  Status Start();
  void Stop();
  // Records the address once the listener is bound.
  Status SetAddress(const std::string& address);

  // Takes or renews the named lease for `duration_us`; true while this server holds it.
  Result<bool> HoldLease(const std::string& name, int64_t duration_us);
  // Ids of servers whose heartbeat lapsed (never this one).
  Result<std::vector<std::string>> DeadServers();
  // Drops the rows of servers that were cleaned up after.
  Status Forget(const std::vector<std::string>& servers);

  // Makes sure every server of the cluster runs with the same value for
  // `name` (e.g. the platform CA's fingerprint): the first one records it,
  // the others must match. FAILED_PRECONDITION-like INVALID_ARGUMENT otherwise.
  Status AgreeOn(const std::string& name, const std::string& value, const std::string& what_to_do);

  const std::string& id() const { return id_; }
  int64_t lease_us() const { return lease_us_; }

 private:
  void Loop();
  Status Heartbeat();

  meta::Store& store_;
  const Clock* clock_;
  std::string id_, address_;
  int64_t lease_us_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hops::platform
