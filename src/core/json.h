// Strict JSON input: a request body parsed into an object whose fields are
// read with type checks. Anything malformed, mistyped, missing or unknown
// becomes a BAD_REQUEST Status that names the field and what was expected.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace hops {

class JsonInput {
 public:
  // Parses text that must be one JSON object. Empty text is an empty object
  // only when allow_empty is true.
  static Result<JsonInput> Parse(std::string_view text, bool allow_empty = false);

  // Fails on a field not in `allowed`.
  Status AllowOnly(std::initializer_list<std::string_view> allowed) const;

  Result<std::string> String(std::string_view name) const;                  // required
  Result<std::optional<std::string>> OptString(std::string_view name) const;
  Result<std::optional<int64_t>> OptInt(std::string_view name) const;
  Result<std::optional<bool>> OptBool(std::string_view name) const;  // true/false (or "true"/"false")
  bool empty() const { return obj_.empty(); }
  Result<std::vector<std::string>> StringArray(std::string_view name) const;  // required

 private:
  boost::json::object obj_;
};

// Whether bytes are well-formed UTF-8 (what a JSON string can carry).
bool IsValidUtf8(std::string_view s);
// At most `max` bytes of `s` as valid UTF-8: invalid bytes become '?', and a
// character is never cut in half (for text stores that check encodings).
std::string Utf8Prefix(std::string_view s, size_t max);

// Serialises a JSON value.
std::string ToJson(const boost::json::value& v);

}  // namespace hops
