// The store URL unit tests open: the embedded SQLite file in `dir` by
// default, or, when HOPS_TEST_STORE is mysql://USER@HOST:PORT[?options] (scripts/run-tests
// sets it for the MariaDB pass), a database of its own on that server, named
// after `dir` so that reopening finds the same data.
#pragma once

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace hops::testing {

inline std::string StoreUrl(const std::filesystem::path& dir) {
  const char* store = std::getenv("HOPS_TEST_STORE");
  if (!store || !*store) return "sqlite://" + (dir / "meta.db").string();
  std::string name = "ut_" + std::to_string(getpid()) + "_";
  for (char c : dir.filename().string()) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (name.size() > 60) name = name.substr(0, 60);
  std::string base = store, options;
  if (auto q = base.find('?'); q != std::string::npos) options = base.substr(q), base.resize(q);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + name + options;
}

}  // namespace hops::testing
