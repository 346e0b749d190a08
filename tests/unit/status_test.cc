// Status/Result behaviour and the Status -> HTTP table.
#include <gtest/gtest.h>

#include "api/request.h"
#include "core/status.h"

namespace hops {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd");
  return x / 2;
}
Result<int> Quarter(int x) {
  HOPS_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Status, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = NotFound("nope");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NOT_FOUND: nope");
}

TEST(Status, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), Code::kInvalidArgument);
}

TEST(Status, HttpMapping) {
  EXPECT_EQ(api::HttpStatusFor(Code::kBadRequest), 400);
  EXPECT_EQ(api::HttpStatusFor(Code::kInvalidArgument), 422);
  EXPECT_EQ(api::HttpStatusFor(Code::kUnauthenticated), 401);
  EXPECT_EQ(api::HttpStatusFor(Code::kPermissionDenied), 403);
  EXPECT_EQ(api::HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(api::HttpStatusFor(Code::kAlreadyExists), 409);
  EXPECT_EQ(api::HttpStatusFor(Code::kUnsupportedMediaType), 415);
  EXPECT_EQ(api::HttpStatusFor(Code::kUnavailable), 503);
}

}  // namespace hops
