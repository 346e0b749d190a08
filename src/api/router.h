// Route table: each route declares its method, path pattern, audit action,
// the API-key scope it needs and whether it needs authentication or admin
// rights. The dispatcher in app.cc enforces the declaration before the
// handler runs; handlers parse input, call one service function and shape JSON.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/request.h"
#include "platform/principal.h"

namespace hops::api {

enum class Access { kPublic, kAuthenticated, kAdmin };
// How errors are rendered: the platform's {"error": {...}} or WebHDFS's RemoteException.
enum class ErrorStyle { kPlatform, kWebHdfs };

struct Route {
  std::string method;
  std::string pattern;   // e.g. /api/v1/projects/{name}/members/{username}; a last
                         // segment {path...} takes one or more segments, joined by '/'

  std::string action;    // audit action, e.g. member.add
  Access access = Access::kAuthenticated;
  std::optional<platform::Scope> scope;
  int success_status = 200;
  std::function<Result<Reply>(Call&)> handler;
  ErrorStyle errors = ErrorStyle::kPlatform;
};

struct Match {
  const Route* route = nullptr;
  const std::vector<std::string>* query = nullptr;  // the query parameters the route takes
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;  // methods allowed on the path when the method did not match
};

class Router {
 public:
  // `query` lists the query parameters the route accepts; others get 400.
  void Add(Route route, std::vector<std::string> query = {});
  // Matches decoded path segments. No route: route == nullptr and allowed empty.
  Match Find(const std::string& method, const std::vector<std::string>& segments) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> segments_;  // each route's pattern split on '/'
  std::vector<std::vector<std::string>> queries_;   // each route's accepted query parameters
};

// Splits "/a/b/c" into {"a","b","c"} (no decoding).
std::vector<std::string> SplitPath(const std::string& path);

}  // namespace hops::api
