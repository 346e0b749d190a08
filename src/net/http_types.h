// Plain HTTP request and response values exchanged between the HTTP server
// (the only code that knows Boost.Beast) and the application's handler.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace hops::net {

// A request body read in pieces, for routes that stream (uploads). Read
// blocks until some bytes arrive; it returns 0 at the end of the body.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Content-Length when the client sent one (not for chunked bodies).
  virtual std::optional<uint64_t> length() const = 0;
};

// Where a streamed response body goes (downloads).
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual Status Write(std::string_view bytes) = 0;
};

struct HttpRequest {
  std::string method;       // upper case, e.g. GET
  std::string target;       // origin-form as received, e.g. /api/v1/projects?limit=5
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string client;       // peer address "ip:port"
  std::string request_id;   // assigned by the server, echoed in X-Request-Id
  bool tls = false;
  std::string peer_cert_serial;  // a verified client certificate's serial (lower-case hex); empty if none
  std::string peer_cert_fingerprint;  // its SHA-256 (colon-separated upper-case hex)
  BodyReader* body_reader = nullptr;  // set instead of `body` on streaming routes

  std::string_view Header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers)
      if (k == lower_name) return v;
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // A streamed body of stream_length bytes, written after the headers
  // (streaming routes only). A failure part-way closes the connection.
  std::function<Status(BodyWriter&)> stream;
  int64_t stream_length = -1;
};

using Handler = std::function<HttpResponse(HttpRequest&)>;
// Told about requests the server refused before the handler saw them
// (oversized headers or body, malformed HTTP): status and error code.
using RejectHandler = std::function<void(const HttpRequest&, int status, const std::string& code)>;

// Decides from the start line whether a request streams its body: it is
// then handled on a data thread with `body_reader` instead of a buffered body.
using StreamPredicate = std::function<bool(std::string_view method, std::string_view target)>;

// JSON error body in the platform's shape, for errors raised by the server itself.
inline std::string ErrorBody(std::string_view code, std::string_view message, std::string_view request_id) {
  auto esc = [](std::string_view s) {
    std::string o;
    for (char c : s) {
      if (c == '"' || c == '\\') o += '\\', o += c;
      else if (static_cast<unsigned char>(c) < 0x20) o += ' ';
      else o += c;
    }
    return o;
  };
  return "{\"error\":{\"code\":\"" + esc(code) + "\",\"message\":\"" + esc(message) + "\",\"request_id\":\"" +
         esc(request_id) + "\"}}";
}

}  // namespace hops::net
