// A small blocking HTTP(S) client for the hops CLI: one request per
// connection, timeouts, TLS with a CA file or the system trust store, and
// optionally a client certificate (mutual TLS).
#pragma once

#include <functional>
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
  bool insecure = false;  // https without verifying the server (only to fetch a CA and show its fingerprint)
  std::string cert_file, key_file;  // a client certificate for mutual TLS
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options) : opt_(std::move(options)) {}
  // `target` is the origin-form path with query. UNAVAILABLE when the server
  // cannot be reached.
  Result<HttpResponse> Send(const std::string& method, const std::string& target, const std::string& body,
                            const std::vector<std::pair<std::string, std::string>>& headers) const;
  // Streams a request body of `upload_length` bytes from `upload` (when set)
  // and, for a 2xx answer, the response body into `download` (when set);
  // other answers keep their body in the returned response.
  using Source = std::function<Result<size_t>(char* buf, size_t n)>;
  using Sink = std::function<Status(std::string_view bytes)>;
  Result<HttpResponse> SendStream(const std::string& method, const std::string& target,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const Source* upload, uint64_t upload_length, const Sink* download) const;

 private:
  ClientOptions opt_;
};

}  // namespace hops::net
