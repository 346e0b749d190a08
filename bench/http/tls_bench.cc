// TLS load generator for bench/http/run.sh: keep-alive requests per second
// and full handshakes (new connections) per second, with or without a client
// certificate, against any HTTPS server. One blocking connection per thread.
//
//   tls_bench --host 127.0.0.1 --port 8443 --path /x --ca ca.pem [--cert c.pem --key k.pem]
//             [--header "Authorization: ApiKey ..."] --conns 16 --seconds 10 --mode keepalive|handshake
//
// keepalive: each connection sends GET requests one after another on one TLS
//   session. handshake: each request opens a new TCP connection and does a
//   full TLS handshake (no session resumption, no tickets), then
//   "Connection: close". Prints one JSON line: requests, seconds, rate,
//   latency percentiles (microseconds), errors (failed connections and
//   non-200 answers) and reconnects (keep-alive connections the server ended).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1", path = "/", ca, cert, key, header, mode = "keepalive";
  int port = 0, conns = 1;
  double seconds = 10;
};

using Clock = std::chrono::steady_clock;

int Connect(const Options& o) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(o.port));
  ::inet_pton(AF_INET, o.host.c_str(), &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads one HTTP/1.1 response with a Content-Length body; returns the status or -1.
int ReadResponse(SSL* ssl, std::string& buf) {
  buf.clear();
  size_t header_end = std::string::npos;
  char tmp[16384];
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    int n = SSL_read(ssl, tmp, sizeof tmp);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<size_t>(n));
  }
  int status = std::atoi(buf.c_str() + 9);
  size_t len = 0;
  for (const char* name : {"\r\nContent-Length:", "\r\ncontent-length:"}) {
    size_t p = buf.find(name);
    if (p != std::string::npos && p < header_end) len = std::strtoull(buf.c_str() + p + std::strlen(name), nullptr, 10);
  }
  while (buf.size() < header_end + 4 + len) {
    int n = SSL_read(ssl, tmp, sizeof tmp);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<size_t>(n));
  }
  return status;
}

SSL_CTX* MakeContext(const Options& o) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_load_verify_locations(ctx, o.ca.c_str(), nullptr) != 1) {
    std::fprintf(stderr, "tls_bench: cannot load CA %s\n", o.ca.c_str());
    std::exit(2);
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // Every handshake is a full one: no tickets, no client-side session cache.
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (!o.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, o.cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, o.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      std::fprintf(stderr, "tls_bench: cannot load client certificate %s / %s\n", o.cert.c_str(), o.key.c_str());
      std::exit(2);
    }
  }
  return ctx;
}

SSL* Open(SSL_CTX* ctx, const Options& o, int* fd_out) {
  int fd = Connect(o);
  if (fd < 0) return nullptr;
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set1_host(ssl, o.host.c_str());
  if (SSL_connect(ssl) != 1) {
    SSL_free(ssl);
    ::close(fd);
    return nullptr;
  }
  *fd_out = fd;
  return ssl;
}

void Close(SSL* ssl, int fd) {
  SSL_free(ssl);
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--host") o.host = v;
    else if (k == "--port") o.port = std::atoi(v.c_str());
    else if (k == "--path") o.path = v;
    else if (k == "--ca") o.ca = v;
    else if (k == "--cert") o.cert = v;
    else if (k == "--key") o.key = v;
    else if (k == "--header") o.header = v;
    else if (k == "--conns") o.conns = std::atoi(v.c_str());
    else if (k == "--seconds") o.seconds = std::atof(v.c_str());
    else if (k == "--mode") o.mode = v;
    else {
      std::fprintf(stderr, "tls_bench: unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if (o.port <= 0 || o.ca.empty() || o.conns <= 0 || (o.mode != "keepalive" && o.mode != "handshake")) {
    std::fprintf(stderr, "usage: tls_bench --host H --port P --path /p --ca CA [--cert C --key K] [--header H] "
                         "--conns N --seconds S --mode keepalive|handshake\n");
    return 2;
  }
  const bool handshake = o.mode == "handshake";
  std::string request = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) + "\r\n";
  if (!o.header.empty()) request += o.header + "\r\n";
  request += handshake ? "Connection: close\r\n\r\n" : "\r\n";
  SSL_CTX* ctx = MakeContext(o);

  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0}, errors{0}, reconnects{0};
  std::mutex mu;
  std::vector<int64_t> latencies;
  std::vector<std::thread> threads;
  for (int c = 0; c < o.conns; ++c) {
    threads.emplace_back([&] {
      std::vector<int64_t> mine;
      std::string buf;
      int fd = -1;
      SSL* ssl = nullptr;
      int64_t served = 0;  // requests answered on the current connection
      while (!stop.load(std::memory_order_relaxed)) {
        auto t0 = Clock::now();
        if (!ssl) {
          ssl = Open(ctx, o, &fd);
          if (!ssl) {
            errors.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
          }
        }
        int st = SSL_write(ssl, request.data(), static_cast<int>(request.size())) > 0 ? ReadResponse(ssl, buf) : -1;
        if (st < 0 && !handshake && served > 0) {
          reconnects.fetch_add(1);  // the server ended a keep-alive connection: open a new one
        } else if (st != 200) {
          errors.fetch_add(1);
        }
        served = st == 200 ? served + 1 : 0;
        if (st < 0 || handshake) {
          Close(ssl, fd);
          ssl = nullptr;
        }
        if (st == 200) {
          done.fetch_add(1, std::memory_order_relaxed);
          mine.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
        }
      }
      if (ssl) Close(ssl, fd);
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  int64_t n = done.load();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  stop.store(true);
  for (auto& t : threads) t.join();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) -> int64_t {
    if (latencies.empty()) return 0;
    return latencies[std::min(latencies.size() - 1, static_cast<size_t>(p * static_cast<double>(latencies.size())))];
  };
  std::printf("{\"mode\":\"%s\",\"conns\":%d,\"client_cert\":%s,\"requests\":%lld,\"seconds\":%.3f,\"rate\":%.1f,"
              "\"p50_us\":%lld,\"p99_us\":%lld,\"errors\":%lld,\"reconnects\":%lld}\n",
              o.mode.c_str(), o.conns, o.cert.empty() ? "false" : "true", static_cast<long long>(n), secs,
              static_cast<double>(n) / secs, static_cast<long long>(pct(0.5)), static_cast<long long>(pct(0.99)),
              static_cast<long long>(errors.load()), static_cast<long long>(reconnects.load()));
  SSL_CTX_free(ctx);
  return 0;
}
