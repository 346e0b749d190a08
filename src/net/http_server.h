// HTTP/1.1 server on Boost.Asio/Beast: a pool of worker threads, keep-alive,
// header and body limits, idle and read timeouts, optional TLS, a request id
// on every response, and graceful shutdown (stop accepting, drain in-flight
// requests, then stop). The only server file that includes Beast.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/status.h"
#include "net/http_types.h"

namespace hops::net {

struct ServerOptions {
  std::string listen = "127.0.0.1:8181";  // HOST:PORT; port 0 picks a free port
  int workers = 0;                        // 0: one per CPU core
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  int read_timeout_ms = 30000;
  int idle_timeout_ms = 60000;
  std::string tls_cert, tls_key;          // both set: HTTPS
  // With HTTPS: PEM file of the CAs that client certificates must chain to.
  // Clients are asked for a certificate but may go without one; a
  // certificate that does not verify ends the handshake.
  std::string tls_client_ca;
  bool access_log = false;
  int data_threads = 32;                  // threads for streaming requests (uploads, downloads)
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler handler, RejectHandler on_reject = nullptr,
             StreamPredicate streaming = nullptr);
  ~HttpServer();

  // Binds and listens; after this bound_address() is known.
  Status Start();
  std::string bound_address() const;
  // Runs the worker threads; returns after Shutdown() completes.
  void Run();
  // Stops accepting, waits up to grace_ms for in-flight requests, stops.
  // Safe to call from a signal-handling thread.
  void Shutdown(int grace_ms);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hops::net
