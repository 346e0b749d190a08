// A small blocking HTTP(S) client for the hops CLI: one request per
// connection, timeouts, TLS with a CA file or the system trust store.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "net/http_types.h"

namespace hops::net {

struct ClientOptions {
  std::string endpoint;   // http://host:port or https://host:port
  std::string ca_file;    // PEM bundle to trust for https; empty: system store
  int timeout_ms = 30000;
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options) : opt_(std::move(options)) {}
  // `target` is the origin-form path with query. UNAVAILABLE when the server
  // cannot be reached.
  Result<HttpResponse> Send(const std::string& method, const std::string& target, const std::string& body,
                            const std::vector<std::pair<std::string, std::string>>& headers) const;

 private:
  ClientOptions opt_;
};

}  // namespace hops::net
