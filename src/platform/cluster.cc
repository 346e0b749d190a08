// Server registry, heartbeats and leases in the shared store.
#include "platform/cluster.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "core/log.h"

namespace hops::platform {

Result<std::string> Cluster::ServerId(const std::string& data_dir) {
  const auto path = std::filesystem::path(data_dir) / "server.id";
  {
    std::ifstream in(path);
    std::string id;
    if (in && std::getline(in, id) && id.size() == 16 &&
        id.find_first_not_of("0123456789abcdef") == std::string::npos)
      return id;
  }
  std::string id = crypto::Hex(crypto::RandomBytes(8));
  std::ofstream out(path, std::ios::trunc);
  out << id << "\n";
  if (!out) return Internal("cannot write " + path.string());
  return id;
}

Status Cluster::Start() {
  HOPS_RETURN_IF_ERROR(Heartbeat());
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Cluster::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Cluster::SetAddress(const std::string& address) {
  {
    std::lock_guard lock(mu_);
    address_ = address;
  }
  return Heartbeat();
}

// Times in these tables are the database's clock, so that servers whose
// clocks disagree still agree on who is alive and who holds a lease.
Status Cluster::Heartbeat() {
  std::string address;
  {
    std::lock_guard lock(mu_);
    address = address_;
  }
  // Beside this server's writer: a long write transaction does not hold up
  // the heartbeat (only this server writes its own row).
  return store_.WriteAside([&](meta::Txn& t) -> Status {
    const std::string& now = t.dialect().now_us;
    HOPS_ASSIGN_OR_RETURN(int64_t n, t.Exec("UPDATE servers SET address = ?, heartbeat_at = " + now + " WHERE id = ?",
                                            {address, id_}));
    if (n == 0)
      HOPS_RETURN_IF_ERROR(t.Exec("INSERT INTO servers (id, address, started_at, heartbeat_at) VALUES (?, ?, " + now +
                                      ", " + now + ")",
                                  {id_, address})
                               .status());
    return Status::Ok();
  });
}

void Cluster::Loop() {
  std::unique_lock lock(mu_);
  const auto every = std::chrono::microseconds(std::max<int64_t>(lease_us_ / 3, 100000));
  while (!cv_.wait_for(lock, every, [&] { return stop_; })) {
    lock.unlock();
    if (auto st = Heartbeat(); !st.ok()) log::Warn("cluster.heartbeat_failed", {{"error", st.ToString()}});
    lock.lock();
  }
}

Result<bool> Cluster::HoldLease(const std::string& name, int64_t duration_us) {
  bool held = false;
  HOPS_RETURN_IF_ERROR(store_.Write([&](meta::Txn& t) -> Status {
    const std::string& now = t.dialect().now_us;
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT holder, CASE WHEN expires_at < " + now +
                                                   " THEN 1 ELSE 0 END FROM leases WHERE name = ?" + t.ForUpdate(),
                                               {name}));
    if (!row) {
      held = true;
      return t.Exec("INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, " + now + " + ?)",
                    {name, id_, duration_us})
          .status();
    }
    held = row->Str(0) == id_ || row->Int(1) == 1;
    if (!held) return Status::Ok();
    if (row->Str(0) != id_) log::Info("cluster.lease_taken", {{"lease", name}, {"from", row->Str(0)}});
    return t.Exec("UPDATE leases SET holder = ?, expires_at = " + now + " + ? WHERE name = ?", {id_, duration_us, name})
        .status();
  }));
  return held;
}

Result<std::vector<std::string>> Cluster::DeadServers() {
  std::vector<std::string> dead;
  HOPS_RETURN_IF_ERROR(store_.Read([&](meta::Txn& t) -> Status {
    dead.clear();
    HOPS_ASSIGN_OR_RETURN(auto rows, t.Query("SELECT id FROM servers WHERE heartbeat_at < " + t.dialect().now_us +
                                                 " - ? AND id <> ?",
                                             {lease_us_, id_}));
    for (const auto& r : rows) dead.push_back(r.Str(0));
    return Status::Ok();
  }));
  return dead;
}

Status Cluster::Forget(const std::vector<std::string>& servers) {
  return store_.Write([&](meta::Txn& t) -> Status {
    for (const auto& id : servers) HOPS_RETURN_IF_ERROR(t.Exec("DELETE FROM servers WHERE id = ?", {id}).status());
    return Status::Ok();
  });
}

Status Cluster::AgreeOn(const std::string& name, const std::string& value, const std::string& what_to_do) {
  return store_.Write([&](meta::Txn& t) -> Status {
    HOPS_ASSIGN_OR_RETURN(auto row, t.QueryOne("SELECT value FROM cluster_settings WHERE name = ?" + t.ForUpdate(),
                                               {name}));
    if (!row) return t.Exec("INSERT INTO cluster_settings (name, value) VALUES (?, ?)", {name, value}).status();
    if (row->Str(0) != value)
      return InvalidArgument("this server's " + name + " (" + value + ") differs from the one the cluster sharing this "
                             "store uses (" + row->Str(0) + "); " + what_to_do);
    return Status::Ok();
  });
}

}  // namespace hops::platform
