// Names of status codes and their printable form.
#include "core/status.h"

namespace hops {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kBadRequest: return "BAD_REQUEST";
    case Code::kInvalidArgument: return "INVALID_ARGUMENT";
    case Code::kNotFound: return "NOT_FOUND";
    case Code::kAlreadyExists: return "ALREADY_EXISTS";
    case Code::kPermissionDenied: return "PERMISSION_DENIED";
    case Code::kUnauthenticated: return "UNAUTHENTICATED";
    case Code::kQuotaExceeded: return "QUOTA_EXCEEDED";
    case Code::kConflict: return "CONFLICT";
    case Code::kTooManyRequests: return "TOO_MANY_REQUESTS";
    case Code::kUnsupportedMediaType: return "UNSUPPORTED_MEDIA_TYPE";
    case Code::kInsufficientStorage: return "INSUFFICIENT_STORAGE";
    case Code::kRangeNotSatisfiable: return "RANGE_NOT_SATISFIABLE";
    case Code::kUnavailable: return "UNAVAILABLE";
    case Code::kInternal: return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace hops
