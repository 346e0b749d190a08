// What a route handler sees (Call) and returns (Reply), with helpers for
// strict input: the JSON body, path and query parameters, pagination.
#pragma once

#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "net/http_types.h"
#include "platform/principal.h"
#include "services/common.h"

namespace hops::api {

struct Reply {
  int status = 200;
  boost::json::value json;        // serialised unless raw is set
  std::optional<std::string> raw;  // a pre-rendered body (e.g. Prometheus text)
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // A body streamed after the headers (downloads): stream_length bytes.
  std::function<Status(net::BodyWriter&)> stream;
  int64_t stream_length = -1;

  static Reply Json(boost::json::value v, int status = 200) {
    Reply r;
    r.status = status;
    r.json = std::move(v);
    return r;
  }
  static Reply NoContent() {
    Reply r;
    r.status = 204;
    r.raw = "";
    return r;
  }
};

struct Call {
  net::HttpRequest& http;
  platform::Context& ctx;
  std::map<std::string, std::string> path;                    // decoded path parameters
  std::vector<std::pair<std::string, std::string>> query;    // decoded query parameters

  const std::string& Param(const std::string& name) const { return path.at(name); }
  std::optional<std::string> Query(const std::string& name) const;
  // The body as a strict JSON object (415 unless JSON, 400 if malformed).
  Result<JsonInput> Body(bool allow_empty = false) const;
  // A boolean query parameter: true/false (any case), 1/0, or present without
  // a value (true); absent gives dflt.
  Result<bool> QueryBool(const std::string& name, bool dflt) const;
  // limit (1..1000, default 100) and page_token.
  Result<services::PageRequest> Page() const;
};

// A permission mode in octal, 1 to 4 digits ("750", "1777").
Result<int> ParseMode(std::string_view s);

// Status -> HTTP status code, in one place.
int HttpStatusFor(Code code);

// {"items": [...], "next_page_token": "..."}
boost::json::object PageJson(boost::json::array items, const std::string& next);

}  // namespace hops::api
