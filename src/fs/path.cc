#include "fs/path.h"

#include "core/json.h"

namespace hops::fs {

Status ValidateName(std::string_view name) {
  if (name.empty()) return InvalidArgument("a file name cannot be empty");
  if (name.size() > kMaxNameBytes)
    return InvalidArgument("a file name is at most " + std::to_string(kMaxNameBytes) + " bytes, got " +
                           std::to_string(name.size()));
  if (name == "." || name == "..") return InvalidArgument("'.' and '..' cannot be file names");
  for (char c : name) {
    if (c == '\0') return InvalidArgument("file names cannot contain NUL bytes");
    if (c == '/') return InvalidArgument("file names cannot contain '/'");
    if (c == ':') return InvalidArgument("file names cannot contain ':' (reserved for shared datasets)");
  }
  if (!IsValidUtf8(name)) return InvalidArgument("file names must be valid UTF-8");
  return Status::Ok();
}

Result<std::vector<std::string>> ParsePath(std::string_view path) {
  if (path.size() > kMaxPathBytes)
    return InvalidArgument("a path is at most " + std::to_string(kMaxPathBytes) + " bytes, got " +
                           std::to_string(path.size()));
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (out.empty()) return InvalidArgument("the path climbs above its root with '..'");
      out.pop_back();
      continue;
    }
    if (part.find('\0') != std::string_view::npos) return InvalidArgument("paths cannot contain NUL bytes");
    if (part.size() > kMaxNameBytes)
      return InvalidArgument("a path component is at most " + std::to_string(kMaxNameBytes) + " bytes");
    out.emplace_back(part);
  }
  return out;
}

Status ValidateNewPath(const std::vector<std::string>& p) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (i == 2 && p[i].find("::") != std::string::npos) continue;
    HOPS_RETURN_IF_ERROR(ValidateName(p[i]));
  }
  return Status::Ok();
}

std::string JoinPath(const std::vector<std::string>& comps, size_t from) {
  if (comps.size() <= from) return "/";
  std::string s;
  for (size_t i = from; i < comps.size(); ++i) s += "/" + comps[i];
  return s;
}

}  // namespace hops::fs
