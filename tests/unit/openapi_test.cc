// The OpenAPI document must describe every route the server registers, and
// nothing it does not. Fails when a route is added without documenting it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "api/app.h"

namespace hops::api {

TEST(OpenApi, DocumentsEveryRouteAndOnlyThose) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("openapi_test_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  Config cfg = Config::Defaults({{"data_dir", dir.string()}, {"store_sync", "normal"}});
  setenv("HOPS_ADMIN_PASSWORD", "openapi-test-pw", 1);
  std::string generated;
  auto app = App::Create(cfg, &generated);
  ASSERT_TRUE(app.ok()) << app.status().ToString();

  auto doc = boost::json::parse(OpenApiDocument());
  ASSERT_EQ(std::string(doc.at("openapi").as_string()).substr(0, 2), "3.");
  const auto& paths = doc.at("paths").as_object();
  size_t documented = 0;
  for (const auto& p : paths) documented += p.value().as_object().size();

  for (const Route& r : (*app)->router().routes()) {
    std::string method = r.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // A catch-all segment {path...} is documented as {path}.
    std::string documented_as = r.pattern;
    if (auto dots = documented_as.find("...}"); dots != std::string::npos) documented_as.erase(dots, 3);
    auto* path = paths.if_contains(documented_as);
    ASSERT_NE(path, nullptr) << "route missing from src/api/openapi.json: " << r.method << " " << r.pattern;
    auto* op = path->as_object().if_contains(method);
    ASSERT_NE(op, nullptr) << "method missing from src/api/openapi.json: " << r.method << " " << r.pattern;
    EXPECT_TRUE(op->as_object().contains("summary")) << r.pattern;
    if (r.scope) {
      auto* sc = op->as_object().if_contains("x-hops-scope");
      ASSERT_NE(sc, nullptr) << "no x-hops-scope for " << r.method << " " << r.pattern;
      EXPECT_EQ(sc->as_string(), platform::ScopeName(*r.scope)) << r.pattern;
    }
  }
  EXPECT_EQ(documented, (*app)->router().routes().size()) << "openapi.json documents routes the server lacks";
}

}  // namespace hops::api
