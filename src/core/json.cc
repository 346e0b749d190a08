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

Result<std::optional<bool>> JsonInput::OptBool(std::string_view name) const {
  auto it = obj_.find(name);
  if (it == obj_.end() || it->value().is_null()) return std::optional<bool>();
  const json::value& v = it->value();
  if (v.is_bool()) return std::optional<bool>(v.as_bool());
  if (v.is_string() && (v.as_string() == "true" || v.as_string() == "false"))
    return std::optional<bool>(v.as_string() == "true");
  return BadRequest("field '" + std::string(name) + "' must be true or false");
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n;
  }
  return true;
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

std::string Utf8Prefix(std::string_view s, size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size() || !IsValidUtf8(s.substr(i, n))) {
      if (out.size() + 1 > max) break;
      out += '?';
      ++i;
      continue;
    }
    if (out.size() + n > max) break;
    out.append(s.data() + i, n);
    i += n;
  }
  return out;
}

}  // namespace hops
