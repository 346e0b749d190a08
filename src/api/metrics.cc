// Metrics registry and Prometheus rendering.
#include "api/metrics.h"

#include <mutex>

namespace hops::api {

Metrics::RouteSeries& Metrics::SeriesFor(const std::string& key) {
  {
    std::shared_lock lock(mu_);
    auto it = routes_.find(key);
    if (it != routes_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = routes_[key];
  if (!slot) slot = std::make_unique<RouteSeries>();
  return *slot;
}

void Metrics::Observe(const std::string& method, const std::string& route, int status, int64_t micros) {
  RouteSeries& s = SeriesFor(method + " " + route);
  s.latency.Observe(micros);
  {
    std::shared_lock lock(mu_);
    auto it = s.by_status.find(status);
    if (it != s.by_status.end()) {
      it->second->fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  std::unique_lock lock(mu_);
  auto& c = s.by_status[status];
  if (!c) c = std::make_unique<std::atomic<uint64_t>>(0);
  c->fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::Render(const meta::StoreStats& st) const {
  std::string out;
  out += "# HELP hops_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE hops_http_requests_total counter\n";
  std::shared_lock lock(mu_);
  for (const auto& [key, s] : routes_) {
    auto sp = key.find(' ');
    std::string labels = "method=\"" + key.substr(0, sp) + "\",route=\"" + key.substr(sp + 1) + "\"";
    for (const auto& [status, c] : s->by_status)
      out += "hops_http_requests_total{" + labels + ",status=\"" + std::to_string(status) + "\"} " +
             std::to_string(c->load()) + "\n";
  }
  out += "# HELP hops_http_request_duration_seconds HTTP request latency by method and route.\n";
  out += "# TYPE hops_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : routes_) {
    auto sp = key.find(' ');
    std::string labels = "method=\"" + key.substr(0, sp) + "\",route=\"" + key.substr(sp + 1) + "\"";
    s->latency.Render("hops_http_request_duration_seconds", labels, &out);
  }
  out += "# HELP hops_store_transactions_total Metadata store transactions by kind and outcome.\n";
  out += "# TYPE hops_store_transactions_total counter\n";
  out += "hops_store_transactions_total{kind=\"read\",outcome=\"ok\"} " + std::to_string(st.read_ok.load()) + "\n";
  out += "hops_store_transactions_total{kind=\"read\",outcome=\"error\"} " + std::to_string(st.read_err.load()) + "\n";
  out += "hops_store_transactions_total{kind=\"write\",outcome=\"ok\"} " + std::to_string(st.write_ok.load()) + "\n";
  out += "hops_store_transactions_total{kind=\"write\",outcome=\"error\"} " + std::to_string(st.write_err.load()) + "\n";
  out += "# HELP hops_store_transaction_retries_total Transactions re-run after a transient conflict.\n";
  out += "# TYPE hops_store_transaction_retries_total counter\n";
  out += "hops_store_transaction_retries_total " + std::to_string(st.retries.load()) + "\n";
  out += "# HELP hops_store_transaction_duration_seconds Metadata store transaction latency.\n";
  out += "# TYPE hops_store_transaction_duration_seconds histogram\n";
  st.read_latency.Render("hops_store_transaction_duration_seconds", "kind=\"read\"", &out);
  st.write_latency.Render("hops_store_transaction_duration_seconds", "kind=\"write\"", &out);
  return out;
}

}  // namespace hops::api
