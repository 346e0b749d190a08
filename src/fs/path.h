// HopsFS path rules: UTF-8 names of at most 255 bytes without '/', NUL or ':'
// (':' is reserved for shared datasets, "<project>::<dataset>"), never '.'
// or '..' as stored names. Paths are normalised ('//' and '.' collapse,
// '..' steps back) and refused when '..' would climb above their root.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace hops::fs {

constexpr size_t kMaxNameBytes = 255;
constexpr size_t kMaxPathBytes = 4096;

// Splits and normalises a path relative to some root ("a/b", "/a/./b//c").
Result<std::vector<std::string>> ParsePath(std::string_view path);
// A single name for a new entry.
Status ValidateName(std::string_view name);
// Every component of an absolute path that may be created; a shared
// dataset's alias ("<project>::<dataset>", third component) is allowed.
Status ValidateNewPath(const std::vector<std::string>& p);
// "/a/b" from components; "/" for none.
std::string JoinPath(const std::vector<std::string>& comps, size_t from = 0);

}  // namespace hops::fs
