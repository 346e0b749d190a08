// Plain HTTP request and response values exchanged between the HTTP server
// (the only code that knows Boost.Beast) and the application's handler.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hops::net {

struct HttpRequest {
  std::string method;       // upper case, e.g. GET
  std::string target;       // origin-form as received, e.g. /api/v1/projects?limit=5
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string client;       // peer address "ip:port"
  std::string request_id;   // assigned by the server, echoed in X-Request-Id
  bool tls = false;

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
};

using Handler = std::function<HttpResponse(HttpRequest&)>;
// Told about requests the server refused before the handler saw them
// (oversized headers or body, malformed HTTP): status and error code.
using RejectHandler = std::function<void(const HttpRequest&, int status, const std::string& code)>;

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
