// Beast implementation of HttpServer.
#include "net/http_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/crypto.h"
#include "core/log.h"
#include "core/thread.h"

namespace hops::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  uint64_t a = rng(), b = rng();
  std::string id(24, '0');
  for (int i = 0; i < 16; ++i) id[i] = kHex[(a >> (i * 4)) & 15];
  for (int i = 16; i < 24; ++i) id[i] = kHex[(b >> ((i - 16) * 4)) & 15];
  return id;
}

// The status line and headers every answer carries.
template <class Body>
void SetHeaders(http::response<Body>& res, HttpResponse& r, const std::string& id, bool keep) {
  res.set(http::field::server, "hopsd");
  res.set("X-Request-Id", id);
  if (r.status != 204) res.set(http::field::content_type, r.content_type);
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.keep_alive(keep);
}

// A complete answer with its body in memory.
http::response<http::string_body> BufferedResponse(HttpResponse& r, const std::string& id, bool keep,
                                                   unsigned version) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  SetHeaders(res, r, id, keep);
  res.body() = std::move(r.body);
  res.prepare_payload();
  return res;
}

}  // namespace

// The client certificate a completed handshake verified: its serial and its
// SHA-256 fingerprint (the certificate itself, not just a number it claims).
static std::pair<std::string, std::string> PeerIdentity(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (!peer || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(peer), nullptr);
  if (!bn) return {};
  char* hex = BN_bn2hex(bn);
  std::string serial(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  for (auto& c : serial) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t nz = serial.find_first_not_of('0');
  serial = nz == std::string::npos ? "0" : serial.substr(nz);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(peer, EVP_sha256(), md, &n) != 1) return {};
  return {serial, crypto::ColonHex(std::string_view(reinterpret_cast<const char*>(md), n))};
}

// One worker: an io_context run by one thread, with its own acceptor on the
// shared port (SO_REUSEPORT), so a connection never hops between threads.
struct Worker {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer backoff{ioc};
};

// Threads that run streaming requests: they block on socket I/O that the
// connection's own worker performs, so workers never block on a slow upload.
class DataPool {
 public:
  void Start(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~DataPool() { Join(); }
  void Join() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  void Submit(std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(fn));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
};

struct HttpServer::Impl {
  ServerOptions opt;
  Handler handler;
  RejectHandler on_reject;
  StreamPredicate streaming;
  std::atomic<bool> stopped{false};
  std::optional<ssl::context> tls;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<bool> draining{false};
  std::atomic<int64_t> in_flight{0};
  std::string bound;
  DataPool data_pool;  // last: its threads stop before the workers go away

  void Accept(Worker& w);
};

namespace {

// One connection. Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl& srv, Stream stream, std::string client)
      : srv_(srv), stream_(std::move(stream)), client_(std::move(client)) {}

  void Start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      ReadHeader();
    } else {
      Tcp().expires_after(std::chrono::milliseconds(srv_.opt.read_timeout_ms));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return;  // failed handshakes (and refused certificates) just close
                                std::tie(self->peer_serial_, self->peer_fingerprint_) =
                                    PeerIdentity(self->stream_.native_handle());
                                self->ReadHeader();
                              });
    }
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(srv_.opt.max_header_bytes));
    // The body limit is set once the start line says whether the request streams.
    parser_->body_limit(boost::none);
    Tcp().expires_after(std::chrono::milliseconds(srv_.opt.idle_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    if (srv_.streaming && srv_.streaming(parser_->get().method_string(), parser_->get().target()))
      return StartStreaming();
    if (auto len = parser_->content_length(); len && *len > srv_.opt.max_body_bytes)
      return OnReadError(http::error::body_limit);
    parser_->body_limit(srv_.opt.max_body_bytes);
    // No body (most GETs): handle it now, without another read and timer.
    if (parser_->is_done()) return OnRead({});
    Tcp().expires_after(std::chrono::milliseconds(srv_.opt.read_timeout_ms));
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->OnRead(ec);
    });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated || ec == asio::error::eof)
      return Close();
    if (ec == http::error::header_limit)
      return SendError(431, "HEADERS_TOO_LARGE", "request headers exceed " +
                                                     std::to_string(srv_.opt.max_header_bytes) + " bytes");
    if (ec == http::error::body_limit)
      return SendError(413, "PAYLOAD_TOO_LARGE",
                       "request body exceeds " + std::to_string(srv_.opt.max_body_bytes) + " bytes");
    if (ec.category() == http::make_error_code(http::error::bad_method).category())
      return SendError(400, "BAD_REQUEST", "malformed HTTP request (" + ec.message() + ")");
    Close();
  }

  void SendError(int status, const char* code, const std::string& msg) {
    HttpResponse r;
    r.status = status;
    std::string id = NewRequestId();
    r.body = ErrorBody(code, msg, id);
    if (srv_.on_reject) {
      HttpRequest seen;
      seen.client = client_;
      seen.request_id = id;
      if (parser_) {  // the start line may be known even when the header block was refused
        seen.method = std::string(parser_->get().method_string());
        std::string_view t = parser_->get().target();
        seen.target = std::string(t.substr(0, std::min<size_t>(t.find('?'), 512)));  // never the query
      }
      srv_.on_reject(seen, status, code);
    }
    Write(std::move(r), id, /*keep_alive=*/false, 11);
  }

  void OnRead(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.headers.reserve(8);
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    req.client = client_;
    req.request_id = NewRequestId();
    req.tls = !std::is_same_v<Stream, beast::tcp_stream>;
    req.peer_cert_serial = peer_serial_;
    req.peer_cert_fingerprint = peer_fingerprint_;
    bool keep = msg.keep_alive() && !srv_.draining.load();
    unsigned version = msg.version();
    srv_.in_flight.fetch_add(1);
    auto start = std::chrono::steady_clock::now();
    HttpResponse resp = srv_.handler(req);
    if (srv_.opt.access_log) {
      // The path only: query strings can carry credentials (e.g. WebHDFS delegation).
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
      log::Info("http.request", {{"request_id", req.request_id}, {"client", client_}, {"method", req.method},
                                 {"path", req.target.substr(0, std::min<size_t>(req.target.find('?'), 256))}, {"status", std::to_string(resp.status)},
                                 {"latency_us", std::to_string(us.count())}});
    }
    if (resp.stream) {
      // A large body (a download): written by a data thread, piece by piece.
      srv_.data_pool.Submit([self = this->shared_from_this(), resp = std::move(resp), id = req.request_id, keep,
                             version]() mutable { self->StreamResponse(std::move(resp), id, keep, version); });
      return;
    }
    Write(std::move(resp), req.request_id, keep, version, /*counted=*/true);
  }

  void Write(HttpResponse r, const std::string& id, bool keep, unsigned version, bool counted = false) {
    auto res = std::make_shared<http::response<http::string_body>>(BufferedResponse(r, id, keep, version));
    Tcp().expires_after(std::chrono::milliseconds(srv_.opt.read_timeout_ms));  // a fresh deadline for the write
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, keep, counted](beast::error_code ec, size_t) {
                        if (counted) self->srv_.in_flight.fetch_sub(1);
                        if (ec || !keep || self->srv_.draining.load()) return self->Close();
                        self->ReadHeader();
                      });
  }

  void Close() {
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    } else {
      Tcp().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ec2;
        self->Tcp().socket().close(ec2);
      });
    }
  }

  // ---- Streaming requests: handled on a data thread, which drives this
  // connection's I/O through its worker (OnIo) one piece at a time.

  // Starts an async operation on the connection's executor; the future
  // completes with its error code.
  template <class Initiate>
  std::future<beast::error_code> StartIo(Initiate&& initiate) {
    auto done = std::make_shared<std::promise<beast::error_code>>();
    auto fut = done->get_future();
    asio::post(stream_.get_executor(), [this, done, initiate = std::forward<Initiate>(initiate)]() mutable {
      Tcp().expires_after(std::chrono::milliseconds(io_timeout_ms_ > 0 ? io_timeout_ms_ : srv_.opt.read_timeout_ms));
      initiate([done](beast::error_code ec, size_t) { done->set_value(ec); });
    });
    return fut;
  }

  beast::error_code WaitIo(std::future<beast::error_code>& fut) {
    while (fut.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
      if (srv_.stopped.load()) return asio::error::operation_aborted;
    }
    return fut.get();
  }

  // Runs an async operation on the connection's executor and waits for it.
  template <class Initiate>
  beast::error_code OnIo(Initiate&& initiate) {
    auto fut = StartIo(std::forward<Initiate>(initiate));
    return WaitIo(fut);
  }

  class Reader : public BodyReader {
   public:
    explicit Reader(Session& s) : s_(s) {
      // Plain TCP with a Content-Length: the body is read straight from the
      // socket on this thread (no parser, no hand-off per read).
      auto len = s_.sparser_->content_length();
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        if (len && !s_.sparser_->chunked()) {
          fast_ = true;
          remaining_ = *len;
        }
      }
    }
    bool done() const { return fast_ ? remaining_ == 0 : s_.sparser_->is_done(); }
    void NoContinue() { continued_ = true; }

    Result<size_t> ReadDirect(char* buf, size_t n) {
      if (remaining_ == 0) return size_t{0};
      n = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
      size_t got = 0;
      if (s_.buffer_.size() > 0) {  // body bytes that arrived with the header
        got = std::min(n, s_.buffer_.size());
        std::memcpy(buf, s_.buffer_.data().data(), got);
        s_.buffer_.consume(got);
      }
      int fd = s_.Tcp().socket().native_handle();
      const int timeout = s_.io_timeout_ms_ > 0 ? s_.io_timeout_ms_ : s_.srv_.opt.read_timeout_ms;
      while (got < n) {
        ssize_t r = ::recv(fd, buf + got, n - got, MSG_DONTWAIT);
        if (r > 0) {
          got += static_cast<size_t>(r);
          continue;
        }
        if (r == 0) return BadRequest("the client closed the connection before sending the whole body");
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
          return BadRequest(std::string("the request body could not be read: ") + std::strerror(errno));
        if (got > 0) break;  // hand back what arrived; wait only when there is nothing
        // Wait in short slices so that a stopping server is noticed at once.
        pollfd pfd{fd, POLLIN, 0};
        int waited = 0, pr = 0;
        while ((pr = ::poll(&pfd, 1, 200)) == 0 && (waited += 200) < timeout && !s_.srv_.stopped.load()) {
        }
        if (s_.srv_.stopped.load()) return Unavailable("the server is stopping");
        if (pr == 0) return BadRequest("timed out waiting for the request body");
        if (pr < 0 && errno != EINTR) return BadRequest("the request body could not be read");
      }
      remaining_ -= got;
      return got;
    }

    Result<size_t> Read(char* buf, size_t n) override {
      auto& p = *s_.sparser_;
      if (!continued_) {
        continued_ = true;
        auto expect = p.get()[http::field::expect];
        if (beast::iequals(expect, "100-continue") && !p.is_done()) {
          static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
          auto ec = s_.OnIo([&](auto cb) {
            asio::async_write(s_.stream_, asio::buffer(kContinue, sizeof kContinue - 1), std::move(cb));
          });
          if (ec) return Unavailable("connection lost: " + ec.message());
        }
      }
      if (fast_) return ReadDirect(buf, n);
      while (!p.is_done()) {
        p.get().body().data = buf;
        p.get().body().size = n;
        // Fills the whole buffer (or ends the body) on the I/O thread before
        // handing back: one thread hand-off per buffer, not per TCP read.
        auto ec = s_.OnIo([&](auto cb) { http::async_read(s_.stream_, s_.buffer_, p, std::move(cb)); });
        if (ec == http::error::need_buffer) ec = {};
        if (ec) return BadRequest("the request body could not be read to its end (" + ec.message() + ")");
        size_t got = n - p.get().body().size;
        if (got > 0) return got;
      }
      return size_t{0};
    }
    std::optional<uint64_t> length() const override {
      auto len = s_.sparser_->content_length();
      if (len) return *len;
      return std::nullopt;
    }

   private:
    Session& s_;
    bool continued_ = false;
    bool fast_ = false;
    uint64_t remaining_ = 0;
  };

  // Double-buffered: a piece is copied and sent while the caller produces
  // the next one (e.g. reads the next chunk from disk).
  class Writer : public BodyWriter {
   public:
    explicit Writer(Session& s) : s_(s) {}
    ~Writer() override { (void)Finish(); }
    Status Write(std::string_view bytes) override {
      HOPS_RETURN_IF_ERROR(Finish());
      std::string& buf = bufs_[next_];
      next_ ^= 1;
      buf.assign(bytes.data(), bytes.size());
      inflight_ = s_.StartIo([this, &buf](auto cb) {
        asio::async_write(s_.stream_, asio::buffer(buf.data(), buf.size()), std::move(cb));
      });
      return Status::Ok();
    }
    // Waits for the piece in flight.
    Status Finish() {
      if (!inflight_.valid()) return Status::Ok();
      auto ec = s_.WaitIo(inflight_);
      inflight_ = {};
      if (ec) return Unavailable("the client went away: " + ec.message());
      return Status::Ok();
    }

   private:
    Session& s_;
    std::string bufs_[2];
    int next_ = 0;
    std::future<beast::error_code> inflight_;
  };

  // Writes the header and then the streamed body of `resp` (on a data thread).
  beast::error_code WriteStreamed(HttpResponse& resp, const std::string& id, bool& keep, unsigned version) {
    http::response<http::empty_body> head{static_cast<http::status>(resp.status), version};
    SetHeaders(head, resp, id, keep);
    head.content_length(static_cast<uint64_t>(resp.stream_length));
    http::response_serializer<http::empty_body> sr{head};
    beast::error_code ec = OnIo([&](auto cb) { http::async_write_header(stream_, sr, std::move(cb)); });
    if (ec) return ec;
    Writer w(*this);
    Status st;
    try {
      st = resp.stream(w);
    } catch (const std::exception& e) {
      st = Internal(std::string("exception while streaming: ") + e.what());
    }
    if (st.ok()) st = w.Finish();
    if (!st.ok()) {
      log::Warn("http.stream_failed", {{"request_id", id}, {"error", st.ToString()}});
      keep = false;
      return asio::error::connection_aborted;
    }
    return ec;
  }

  // A download answered by a worker: its body is written here, on a data thread.
  void StreamResponse(HttpResponse resp, const std::string& id, bool keep, unsigned version) {
    beast::error_code ec = WriteStreamed(resp, id, keep, version);
    srv_.in_flight.fetch_sub(1);
    asio::post(stream_.get_executor(), [self = this->shared_from_this(), ok = !ec && keep] {
      if (ok && !self->srv_.draining.load()) return self->ReadHeader();
      self->Close();
    });
  }

  void StartStreaming() {
    sparser_.emplace(std::move(*parser_));
    sparser_->body_limit(boost::none);  // quotas bound uploads, not the HTTP layer
    parser_.reset();
    srv_.in_flight.fetch_add(1);
    srv_.data_pool.Submit([self = this->shared_from_this()] { self->RunStreaming(); });
  }

  void RunStreaming() {
    auto& msg = sparser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    req.client = client_;
    req.request_id = NewRequestId();
    req.tls = !std::is_same_v<Stream, beast::tcp_stream>;
    req.peer_cert_serial = peer_serial_;
    req.peer_cert_fingerprint = peer_fingerprint_;
    Reader reader(*this);
    req.body_reader = &reader;
    unsigned version = msg.version();
    bool keep = msg.keep_alive();
    HttpResponse resp;
    try {
      resp = srv_.handler(req);
    } catch (const std::exception& e) {
      log::Error("http.stream_exception", {{"request_id", req.request_id}, {"what", e.what()}});
      resp.status = 500;
      resp.body = ErrorBody("INTERNAL", "internal error", req.request_id);
      resp.stream = nullptr;
    }
    // A body left unread cannot be skipped safely: close after answering.
    keep = keep && reader.done() && !srv_.draining.load();
    beast::error_code ec;
    if (resp.stream) {
      ec = WriteStreamed(resp, req.request_id, keep, version);
    } else {
      auto res = BufferedResponse(resp, req.request_id, keep, version);
      ec = OnIo([&](auto cb) { http::async_write(stream_, res, std::move(cb)); });
    }
    // Unauthenticated requests are not drained: nobody may hold a data
    // thread without credentials.
    if (!ec && !reader.done() && resp.status != 401) {
      reader.NoContinue();  // the final answer is out: no 100 Continue after it
      // The answer came before the whole body (e.g. 409 for an existing
      // file). Read and drop the rest for a bounded time, so the client,
      // which may still be sending, reads the answer instead of a reset.
      io_timeout_ms_ = 1000;
      std::string sink(64 << 10, '\0');
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      uint64_t dropped = 0;
      while (std::chrono::steady_clock::now() < until && dropped < (uint64_t{256} << 20)) {
        auto n = reader.Read(sink.data(), sink.size());
        if (!n.ok() || *n == 0) break;
        dropped += *n;
      }
      io_timeout_ms_ = 0;
    }
    if (srv_.opt.access_log)
      log::Info("http.request", {{"request_id", req.request_id}, {"client", client_}, {"method", req.method},
                                 {"path", req.target.substr(0, std::min<size_t>(req.target.find('?'), 256))},
                                 {"status", std::to_string(resp.status)}, {"streamed", "true"}});
    sparser_.reset();
    srv_.in_flight.fetch_sub(1);
    asio::post(stream_.get_executor(), [self = this->shared_from_this(), ok = !ec && keep] {
      if (ok && !self->srv_.draining.load()) return self->ReadHeader();
      self->Close();
    });
  }

  HttpServer::Impl& srv_;
  Stream stream_;
  std::string client_;
  std::string peer_serial_, peer_fingerprint_;  // the client certificate, when one was presented and verified
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::buffer_body>> sparser_;
  int io_timeout_ms_ = 0;  // > 0: a shorter deadline for streaming I/O (draining)
};

}  // namespace

void HttpServer::Impl::Accept(Worker& w) {
  w.acceptor.async_accept(w.ioc, [this, &w](beast::error_code ec, tcp::socket sock) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !w.acceptor.is_open()) return;
      // Out of descriptors and the like: back off instead of spinning.
      log::Warn("http.accept_failed", {{"error", ec.message()}});
      w.backoff.expires_after(std::chrono::milliseconds(100));
      w.backoff.async_wait([this, &w](beast::error_code) {
        if (!draining.load()) Accept(w);
      });
      return;
    } else {
      beast::error_code ep_ec;
      auto ep = sock.remote_endpoint(ep_ec);
      std::string client = ep_ec ? "unknown" : ep.address().to_string() + ":" + std::to_string(ep.port());
      sock.set_option(tcp::no_delay(true), ep_ec);
      if (tls) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            *this, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(sock)), *tls), client)
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(sock)), client)->Start();
      }
    }
    if (!draining.load()) Accept(w);
  });
}

HttpServer::HttpServer(ServerOptions options, Handler handler, RejectHandler on_reject, StreamPredicate streaming)
    : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
  impl_->handler = std::move(handler);
  impl_->on_reject = std::move(on_reject);
  impl_->streaming = std::move(streaming);
}

HttpServer::~HttpServer() = default;

Status HttpServer::Start() {
  Impl& s = *impl_;
  auto colon = s.opt.listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("listen address must be HOST:PORT, got '" + s.opt.listen + "'");
  std::string host = s.opt.listen.substr(0, colon), port = s.opt.listen.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int n = s.opt.workers > 0 ? s.opt.workers : static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 2;
  for (int i = 0; i < n; ++i) s.workers.push_back(std::make_unique<Worker>());
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    tcp::resolver resolver(s.workers[0]->ioc);
    auto results = resolver.resolve(host, port, ec);
    if (ec || results.empty()) return InvalidArgument("cannot resolve listen host '" + host + "'");
    addr = results.begin()->endpoint().address();
  }
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535) return InvalidArgument("bad listen port '" + port + "'");
  tcp::endpoint ep(addr, static_cast<uint16_t>(p));
  if (!s.opt.tls_cert.empty()) {
    s.tls.emplace(ssl::context::tls_server);
    s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    // TLS 1.2 and 1.3 only; for 1.2, forward-secret AEAD suites only.
    SSL_CTX_set_options(s.tls->native_handle(), SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_set_min_proto_version(s.tls->native_handle(), TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(s.tls->native_handle(),
                                "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1)
      return Internal("cannot configure the TLS protocol versions and ciphers");
    s.tls->use_certificate_chain_file(s.opt.tls_cert, ec);
    if (ec) return InvalidArgument("cannot load TLS certificate '" + s.opt.tls_cert + "': " + ec.message());
    s.tls->use_private_key_file(s.opt.tls_key, ssl::context::pem, ec);
    if (ec) return InvalidArgument("cannot load TLS key '" + s.opt.tls_key + "': " + ec.message());
    if (!s.opt.tls_client_ca.empty()) {
      SSL_CTX* ctx = s.tls->native_handle();
      if (SSL_CTX_load_verify_locations(ctx, s.opt.tls_client_ca.c_str(), nullptr) != 1)
        return InvalidArgument("cannot load client CA file '" + s.opt.tls_client_ca + "'");
      STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.opt.tls_client_ca.c_str());
      if (names) SSL_CTX_set_client_CA_list(ctx, names);
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      SSL_CTX_set_verify_depth(ctx, 4);
      // Resumed sessions keep the verified peer certificate; they need an id context.
      static const unsigned char kSid[] = "hopsd";
      SSL_CTX_set_session_id_context(ctx, kSid, sizeof kSid - 1);
    }
  }
  // SO_REUSEPORT would let a second server on the same port share its
  // connections silently: probe the port with a plain socket first.
  if (ep.port() != 0) {
    tcp::acceptor probe(s.workers[0]->ioc);
    probe.open(ep.protocol(), ec);
    if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(ep, ec);
    if (ec) return Unavailable("cannot listen on " + s.opt.listen + ": " + ec.message());
    probe.close(ec);
    ec.clear();
  }
  // The first acceptor binds (possibly port 0); the others join its port.
  for (size_t i = 0; i < s.workers.size(); ++i) {
    tcp::acceptor& a = s.workers[i]->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        ec = beast::error_code(errno, boost::system::system_category());
    }
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Unavailable("cannot listen on " + s.opt.listen + ": " + ec.message());
    if (i == 0) ep.port(a.local_endpoint().port());
  }
  auto local = s.workers[0]->acceptor.local_endpoint();
  s.bound = (local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string()) +
            ":" + std::to_string(local.port());
  for (auto& w : s.workers) s.Accept(*w);
  if (s.streaming) s.data_pool.Start(std::max(1, s.opt.data_threads));
  return Status::Ok();
}

std::string HttpServer::bound_address() const { return impl_->bound; }

namespace {
// A worker that becomes runnable with a request is scheduled ahead of threads
// doing long stretches of work, which keeps the latency tail short when the
// CPUs are busy.
void BecomeWorker(size_t index) {
  // The main thread (worker 0) keeps the process's name (ps, pkill).
  if (index > 0) thread::Name("hops-http-" + std::to_string(index));
  thread::PreferShortSlices();
}
}  // namespace

void HttpServer::Run() {
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl_->workers.size(); ++i)
    threads.emplace_back([i, w = impl_->workers[i].get()] {
      BecomeWorker(i);
      w->ioc.run();
    });
  if (!impl_->workers.empty()) {
    BecomeWorker(0);
    impl_->workers[0]->ioc.run();
  }
  for (auto& t : threads) t.join();
  // Streaming requests finish (or notice the stop) before Run returns, so
  // their audit records are queued before the caller stops the audit writer.
  impl_->data_pool.Join();
}

void HttpServer::Shutdown(int grace_ms) {
  Impl& s = *impl_;
  if (s.draining.exchange(true)) return;
  for (auto& w : s.workers) {
    asio::post(w->ioc, [w = w.get()] {
      beast::error_code ec;
      w->acceptor.close(ec);
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (s.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Responses already written are flushed by their write handlers; give them a moment.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s.stopped.store(true);
  for (auto& w : s.workers) w->ioc.stop();
}

}  // namespace hops::net
