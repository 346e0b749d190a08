// Status and Result<T>: errors are values. A small, fixed set of codes that
// every layer shares; the API layer maps them to HTTP in one table.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace hops {

enum class Code {
  kOk = 0,
  kBadRequest,        // malformed input: not JSON, wrong types, unknown fields
  kInvalidArgument,   // well-formed but invalid value
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kQuotaExceeded,
  kConflict,
  kTooManyRequests,
  kUnsupportedMediaType,  // a body in a format the route does not take
  kUnavailable,
  kInsufficientStorage,  // the disk (or object store) refused the bytes
  kRangeNotSatisfiable,  // a byte range outside the file
  kInternal,
};

// Upper-case wire name of a code, e.g. "NOT_FOUND".
const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;
  // Seconds after which a TOO_MANY_REQUESTS or UNAVAILABLE call may be retried (0: unknown).
  int retry_after_s() const { return retry_after_s_; }
  Status& WithRetryAfter(int seconds) {
    retry_after_s_ = seconds;
    return *this;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  int retry_after_s_ = 0;
};

inline Status BadRequest(std::string m) { return {Code::kBadRequest, std::move(m)}; }
inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
inline Status QuotaExceeded(std::string m) { return {Code::kQuotaExceeded, std::move(m)}; }
inline Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status TooManyRequests(std::string m) { return {Code::kTooManyRequests, std::move(m)}; }
inline Status InsufficientStorage(std::string m) { return {Code::kInsufficientStorage, std::move(m)}; }
inline Status RangeNotSatisfiable(std::string m) { return {Code::kRangeNotSatisfiable, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}    // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace hops

// Propagate a non-OK Status from an expression returning Status.
#define HOPS_RETURN_IF_ERROR(expr)             \
  do {                                         \
    ::hops::Status _st = (expr);               \
    if (!_st.ok()) return _st;                 \
  } while (0)

#define HOPS_CONCAT_INNER(a, b) a##b
#define HOPS_CONCAT(a, b) HOPS_CONCAT_INNER(a, b)
// `HOPS_ASSIGN_OR_RETURN(auto x, Expr())` unwraps a Result or returns its Status.
#define HOPS_ASSIGN_OR_RETURN(lhs, expr) \
  HOPS_ASSIGN_OR_RETURN_IMPL(HOPS_CONCAT(_res_, __LINE__), lhs, expr)
#define HOPS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
