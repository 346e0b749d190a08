// Route matching over path segments.
#include "api/router.h"

namespace hops::api {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

void Router::Add(Route route, std::vector<std::string> query) {
  segments_.push_back(SplitPath(route.pattern));
  queries_.push_back(std::move(query));
  routes_.push_back(std::move(route));
}

Match Router::Find(const std::string& method, const std::vector<std::string>& segs) const {
  Match m;
  for (size_t ri = 0; ri < routes_.size(); ++ri) {
    const Route& r = routes_[ri];
    const auto& pattern = segments_[ri];
    const bool rest = !pattern.empty() && pattern.back().size() > 5 &&
                      pattern.back().compare(pattern.back().size() - 4, 4, "...}") == 0;
    if (rest ? segs.size() < pattern.size() : pattern.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < pattern.size() && ok; ++i) {
      const std::string& p = pattern[i];
      if (rest && i + 1 == pattern.size()) {
        std::string joined;
        for (size_t j = i; j < segs.size(); ++j) joined += (j > i ? "/" : "") + segs[j];
        params[p.substr(1, p.size() - 5)] = joined;
      } else if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (segs[i].empty()) ok = false;
        else params[p.substr(1, p.size() - 2)] = segs[i];
      } else {
        ok = p == segs[i];
      }
    }
    if (!ok) continue;
    if (r.method == method) {
      m.route = &r;
      m.query = &queries_[ri];
      m.params = std::move(params);
      m.allowed.clear();
      return m;
    }
    m.allowed.push_back(r.method);
  }
  return m;
}

}  // namespace hops::api
