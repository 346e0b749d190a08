// Implementation of the naming rules.
#include "services/names.h"

#include <algorithm>
#include <array>

namespace hops::services {
namespace {
bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

constexpr std::array<const char*, 24> kReserved = {
    "hops",      "hopsworks", "hops_system", "admin",   "root",     "api",     "projects", "project",
    "mysql",     "sys",       "information_schema", "performance_schema", "ndbinfo", "metastore", "airflow",
    "grafana",   "kafka",     "hive",        "spark",   "python",   "jupyter", "public",   "system",
    "featurestore"};

bool ValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 4;
    if (extra == 4 || i + extra >= s.size() + (extra == 0 ? 1 : 0)) return false;
    for (size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += extra + 1;
  }
  return true;
}
}  // namespace

std::string Lower(const std::string& s) {
  std::string o = s;
  std::transform(o.begin(), o.end(), o.begin(), [](unsigned char c) { return std::tolower(c); });
  return o;
}

Status ValidateProjectName(const std::string& name) {
  if (name.size() < 2 || name.size() > 24)
    return InvalidArgument("project name must be 2 to 24 characters long");
  for (char c : name)
    if (!IsAlnum(c) && c != '_')
      return InvalidArgument("project name may only contain letters, digits and '_'");
  if (!IsAlnum(name.front()) || !IsAlnum(name.back()))
    return InvalidArgument("project name must start and end with a letter or digit");
  if (name.find("__") != std::string::npos) return InvalidArgument("project name must not contain '__'");
  if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return InvalidArgument("project name must not be all digits");
  std::string l = Lower(name);
  for (const char* r : kReserved)
    if (l == r) return InvalidArgument("'" + name + "' is a reserved word; choose another project name");
  return Status::Ok();
}

Status ValidateUsername(const std::string& name) {
  if (name.size() < 3 || name.size() > 32) return InvalidArgument("username must be 3 to 32 characters long");
  if (!(name[0] >= 'a' && name[0] <= 'z')) return InvalidArgument("username must start with a lower-case letter");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return InvalidArgument("username may only contain lower-case letters, digits, '_', '-' and '.'");
  }
  return Status::Ok();
}

Status ValidateEmail(const std::string& email) {
  auto at = email.find('@');
  if (email.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= email.size() ||
      email.find('@', at + 1) != std::string::npos || email.find('.', at) == std::string::npos)
    return InvalidArgument("email must look like name@example.org");
  for (unsigned char c : email)
    if (c <= ' ' || c >= 0x7f) return InvalidArgument("email must not contain spaces or control characters");
  return Status::Ok();
}

Status ValidateKeyName(const std::string& name) {
  if (name.empty() || name.size() > 64) return InvalidArgument("API key name must be 1 to 64 characters long");
  for (char c : name)
    if (!IsAlnum(c) && c != '_' && c != '-' && c != '.')
      return InvalidArgument("API key name may only contain letters, digits, '_', '-' and '.'");
  return Status::Ok();
}

Status ValidateText(const std::string& field, const std::string& text, size_t max) {
  if (text.size() > max) return InvalidArgument(field + " must be at most " + std::to_string(max) + " bytes");
  if (!ValidUtf8(text)) return InvalidArgument(field + " must be valid UTF-8");
  for (unsigned char c : text)
    if (c < 0x20 && c != '\n' && c != '\t') return InvalidArgument(field + " must not contain control characters");
  return Status::Ok();
}

}  // namespace hops::services
