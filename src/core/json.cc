// Implementation of strict JSON input parsing.
#include "core/json.h"

#include <boost/json.hpp>

namespace hops {
namespace json = boost::json;

Result<JsonInput> JsonInput::Parse(std::string_view text, bool allow_empty) {
  JsonInput in;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (allow_empty) return in;
    return BadRequest("request body is empty; send a JSON object");
  }
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
  if (ec) return BadRequest("request body is not valid JSON (" + ec.message() + ")");
  if (!v.is_object()) return BadRequest("request body must be a JSON object");
  in.obj_ = std::move(v.as_object());
  return in;
}

Status JsonInput::AllowOnly(std::initializer_list<std::string_view> allowed) const {
  for (const auto& kv : obj_) {
    bool ok = false;
    for (auto a : allowed) ok = ok || kv.key() == a;
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return BadRequest("unknown field '" + std::string(kv.key()) + "'; allowed fields: " + list);
    }
  }
  return Status::Ok();
}

Result<std::string> JsonInput::String(std::string_view name) const {
  auto it = obj_.find(name);
  if (it == obj_.end()) return BadRequest("missing required field '" + std::string(name) + "'");
  if (!it->value().is_string())
    return BadRequest("field '" + std::string(name) + "' must be a string");
  return std::string(it->value().as_string());
}

Result<std::optional<std::string>> JsonInput::OptString(std::string_view name) const {
  auto it = obj_.find(name);
  if (it == obj_.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string())
    return BadRequest("field '" + std::string(name) + "' must be a string");
  return std::optional<std::string>(std::string(it->value().as_string()));
}

Result<std::optional<int64_t>> JsonInput::OptInt(std::string_view name) const {
  auto it = obj_.find(name);
  if (it == obj_.end() || it->value().is_null()) return std::optional<int64_t>();
  const json::value& v = it->value();
  if (v.is_int64()) return std::optional<int64_t>(v.as_int64());
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return std::optional<int64_t>(static_cast<int64_t>(v.as_uint64()));
  return BadRequest("field '" + std::string(name) + "' must be an integer");
}

Result<std::vector<std::string>> JsonInput::StringArray(std::string_view name) const {
  auto it = obj_.find(name);
  if (it == obj_.end()) return BadRequest("missing required field '" + std::string(name) + "'");
  if (!it->value().is_array())
    return BadRequest("field '" + std::string(name) + "' must be an array of strings");
  std::vector<std::string> out;
  for (const auto& e : it->value().as_array()) {
    if (!e.is_string())
      return BadRequest("field '" + std::string(name) + "' must be an array of strings");
    out.emplace_back(e.as_string());
  }
  return out;
}

std::string ToJson(const json::value& v) { return json::serialize(v); }

}  // namespace hops
