// Input helpers for handlers and the one Status -> HTTP table.
#include "api/request.h"

#include <boost/json.hpp>

#include "core/crypto.h"

namespace hops::api {

std::optional<std::string> Call::Query(const std::string& name) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return std::nullopt;
}

Result<JsonInput> Call::Body(bool allow_empty) const {
  if (!http.body.empty()) {
    std::string ct(http.Header("content-type"));
    for (auto& c : ct) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ct.rfind("application/json", 0) != 0)
      return Status(Code::kUnsupportedMediaType, "send the body as JSON with 'Content-Type: application/json'");
  }
  return JsonInput::Parse(http.body, allow_empty);
}

Result<bool> Call::QueryBool(const std::string& name, bool dflt) const {
  auto v = Query(name);
  if (!v) return dflt;
  std::string l = *v;
  for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (l.empty() || l == "true" || l == "1") return true;
  if (l == "false" || l == "0") return false;
  return BadRequest(name + " must be true or false, got '" + v->substr(0, 40) + "'");
}

Result<int> ParseMode(std::string_view s) {
  if (s.empty() || s.size() > 4) return InvalidArgument("permission must be 1 to 4 octal digits, e.g. 750");
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '7')
      return InvalidArgument("permission must be octal digits 0-7, e.g. 750; got '" + std::string(s.substr(0, 8)) + "'");
    v = v * 8 + (c - '0');
  }
  return v;
}

Result<services::PageRequest> Call::Page() const {
  services::PageRequest p;
  if (auto l = Query("limit")) {
    char* end = nullptr;
    long v = std::strtol(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || v < 1 || v > 1000)
      return BadRequest("limit must be an integer from 1 to 1000");
    p.limit = static_cast<int>(v);
  }
  if (auto t = Query("page_token")) {
    std::string raw;
    if (!crypto::Base64UrlDecode(*t, &raw) || raw.rfind("c1:", 0) != 0)
      return BadRequest("page_token is not valid; pass the next_page_token of the previous page");
    p.after = raw.substr(3);
  }
  return p;
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kBadRequest: return 400;
    case Code::kInvalidArgument: return 422;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists: return 409;
    case Code::kPermissionDenied: return 403;
    case Code::kUnauthenticated: return 401;
    case Code::kQuotaExceeded: return 409;
    case Code::kConflict: return 409;
    case Code::kTooManyRequests: return 429;
    case Code::kUnsupportedMediaType: return 415;
    case Code::kInsufficientStorage: return 507;
    case Code::kRangeNotSatisfiable: return 416;
    case Code::kUnavailable: return 503;
    case Code::kInternal: return 500;
  }
  return 500;
}

boost::json::object PageJson(boost::json::array items, const std::string& next) {
  boost::json::object o;
  o["items"] = std::move(items);
  if (!next.empty()) o["next_page_token"] = next;
  return o;
}

}  // namespace hops::api
