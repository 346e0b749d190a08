// Route matching: parameters, 405 detection, no match.
#include <gtest/gtest.h>

#include "api/router.h"

namespace hops::api {

TEST(Router, MatchesParamsAndMethods) {
  Router r;
  auto h = [](Call&) -> Result<Reply> { return Reply::NoContent(); };
  r.Add({"GET", "/api/v1/projects/{name}", "a", Access::kAuthenticated, std::nullopt, 200, h});
  r.Add({"DELETE", "/api/v1/projects/{name}", "b", Access::kAuthenticated, std::nullopt, 204, h});
  r.Add({"GET", "/api/v1/projects/{name}/members/{username}", "c", Access::kAuthenticated, std::nullopt, 200, h});
  auto m = r.Find("GET", SplitPath("/api/v1/projects/demo/members/alice"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params["name"], "demo");
  EXPECT_EQ(m.params["username"], "alice");
  auto del = r.Find("DELETE", SplitPath("/api/v1/projects/demo"));
  ASSERT_NE(del.route, nullptr);
  EXPECT_EQ(del.route->action, "b");
  auto bad = r.Find("PUT", SplitPath("/api/v1/projects/demo"));
  EXPECT_EQ(bad.route, nullptr);
  EXPECT_EQ(bad.allowed, (std::vector<std::string>{"GET", "DELETE"}));
  auto none = r.Find("GET", SplitPath("/api/v1/nothing"));
  EXPECT_EQ(none.route, nullptr);
  EXPECT_TRUE(none.allowed.empty());
}

}  // namespace hops::api
