// Beast implementation of the blocking client.
#include "net/http_client.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace hops::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

struct Endpoint {
  bool tls = false;
  std::string host, port;
};

Result<Endpoint> ParseEndpoint(const std::string& url) {
  Endpoint e;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    e.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return InvalidArgument("endpoint must start with http:// or https://, got '" + url + "'");
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.find(']', colon) != std::string::npos) {
    e.host = rest;
    e.port = e.tls ? "443" : "80";
  } else {
    e.host = rest.substr(0, colon);
    e.port = rest.substr(colon + 1);
  }
  if (e.host.size() > 2 && e.host.front() == '[') e.host = e.host.substr(1, e.host.size() - 2);
  if (e.host.empty()) return InvalidArgument("endpoint '" + url + "' has no host");
  return e;
}

template <class Stream>
Result<HttpResponse> Exchange(Stream& stream, http::request<http::string_body>& req, int timeout_ms) {
  beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(timeout_ms));
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 32);
  http::read(stream, buf, parser);
  auto& res = parser.get();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[http::field::content_type]);
  for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  out.body = std::move(res.body());
  return out;
}

template <class Stream>
Result<HttpResponse> StreamExchange(Stream& stream, http::request<http::empty_body>& req,
                                    const HttpClient::Source* upload, uint64_t upload_length,
                                    const HttpClient::Sink* download) {
  http::request_serializer<http::empty_body> sr{req};
  http::write_header(stream, sr);
  if (upload) {
    std::string buf(1 << 20, '\0');
    uint64_t sent = 0;
    bool answered_early = false;
    for (;;) {
      HOPS_ASSIGN_OR_RETURN(size_t n, (*upload)(buf.data(), buf.size()));
      if (n == 0) break;
      sent += n;
      if (sent > upload_length) return InvalidArgument("the upload grew while it was being sent");
      beast::error_code ec;
      asio::write(stream, asio::buffer(buf.data(), n), ec);
      // The server may answer (e.g. 409) and close before reading the whole
      // body: stop sending and read its answer.
      if (ec) {
        answered_early = true;
        break;
      }
    }
    if (!answered_early && sent != upload_length) return InvalidArgument("the upload shrank while it was being sent");
  }
  beast::flat_buffer fb;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(stream, fb, parser);
  HttpResponse out;
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[http::field::content_type]);
  for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  const bool to_sink = download && out.status < 300;
  std::string chunk(1 << 20, '\0');
  while (!parser.is_done()) {
    res.body().data = chunk.data();
    res.body().size = chunk.size();
    beast::error_code ec;
    http::read(stream, fb, parser, ec);
    if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
    size_t n = chunk.size() - res.body().size;
    if (to_sink) {
      HOPS_RETURN_IF_ERROR((*download)(std::string_view(chunk.data(), n)));
    } else if (out.body.size() < (1 << 20)) {
      out.body.append(chunk.data(), n);
    }
  }
  return out;
}

// Connects (with TLS for https) and runs `fn` on the stream; I/O errors
// become UNAVAILABLE.
template <class Fn>
Result<HttpResponse> Connected(const Endpoint& ep, const ClientOptions& opt, Fn&& fn) {
  try {
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    // Names under .localhost are loopback (RFC 6761, section 6.3), as curl
    // and browsers treat them; the resolver library does not know them.
    std::string host = ep.host;
    for (char& ch : host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const bool loopback_name = host.size() > 10 && host.ends_with(".localhost");
    auto results = resolver.resolve(loopback_name ? std::string("localhost") : ep.host, ep.port);
    if (!ep.tls) {
      beast::tcp_stream stream(ioc);
      stream.expires_after(std::chrono::milliseconds(opt.timeout_ms));
      stream.connect(results);
      return fn(stream);
    }
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (opt.ca_file.empty()) ctx.set_default_verify_paths();
    else ctx.load_verify_file(opt.ca_file);
    ctx.set_verify_mode(opt.insecure ? ssl::verify_none : ssl::verify_peer);
    if (!opt.cert_file.empty()) {
      ctx.use_certificate_chain_file(opt.cert_file);
      ctx.use_private_key_file(opt.key_file.empty() ? opt.cert_file : opt.key_file, ssl::context::pem);
    }
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), ep.host.c_str()))
      return Unavailable("cannot set TLS server name");
    if (!opt.insecure) stream.set_verify_callback(ssl::host_name_verification(ep.host));
    beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(opt.timeout_ms));
    beast::get_lowest_layer(stream).connect(results);
    stream.handshake(ssl::stream_base::client);
    return fn(stream);
  } catch (const boost::system::system_error& e) {
    return Unavailable("cannot reach " + opt.endpoint + ": " + e.code().message());
  } catch (const std::exception& e) {
    return Unavailable("cannot reach " + opt.endpoint + ": " + e.what());
  }
}

// Start line and headers shared by buffered and streamed requests.
template <class Body>
void StartRequest(http::request<Body>& req, const std::string& method, const std::string& target, const Endpoint& ep,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, ep.host + ":" + ep.port);
  req.set(http::field::user_agent, "hops-cli");
  for (const auto& [k, v] : headers) req.set(k, v);
}

}  // namespace

Result<HttpResponse> HttpClient::SendStream(const std::string& method, const std::string& target,
                                            const std::vector<std::pair<std::string, std::string>>& headers,
                                            const Source* upload, uint64_t upload_length, const Sink* download) const {
  HOPS_ASSIGN_OR_RETURN(Endpoint ep, ParseEndpoint(opt_.endpoint));
  http::request<http::empty_body> req;
  StartRequest(req, method, target, ep, headers);
  if (upload) {
    req.set(http::field::content_type, "application/octet-stream");
    req.content_length(upload_length);
  }
  return Connected(ep, opt_, [&](auto& stream) { return StreamExchange(stream, req, upload, upload_length, download); });
}

Result<HttpResponse> HttpClient::Send(const std::string& method, const std::string& target, const std::string& body,
                                      const std::vector<std::pair<std::string, std::string>>& headers) const {
  HOPS_ASSIGN_OR_RETURN(Endpoint ep, ParseEndpoint(opt_.endpoint));
  http::request<http::string_body> req;
  StartRequest(req, method, target, ep, headers);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  return Connected(ep, opt_, [&](auto& stream) { return Exchange(stream, req, opt_.timeout_ms); });
}

}  // namespace hops::net
