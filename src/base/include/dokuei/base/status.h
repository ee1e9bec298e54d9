// Status and Result<T>: the error type of every fallible call in Dokuei.
//
// A Status carries a Code from the one error table (error_table.h maps each code to an HTTP status,
// a DIMSE status and a localised title), an English developer message, and optionally the name of
// the offending field or attribute so that problem bodies can name it. No exceptions cross a module
// boundary: adapters convert library errors into Status at the edge.
// Thread safety: value types, safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dokuei::base {

enum class Code : uint8_t {
  kOk = 0,
  kInvalidArgument,     // malformed input: bad DICOM, bad JSON, bad query parameter
  kNotFound,            // no such object (or not visible to this tenant: indistinguishable)
  kAlreadyExists,       // creation of something that exists
  kConflict,            // a different object under an existing identity (e.g. SOP Instance UID)
  kFailedPrecondition,  // the operation is not allowed in the current state
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // authenticated but not allowed
  kResourceExhausted,   // disk full, out of memory budget
  kPayloadTooLarge,     // declared or actual size beyond a hard limit
  kUnsupported,         // unsupported SOP class, transfer syntax, media type
  kNotAcceptable,       // no acceptable representation for the client's Accept header
  kTooManyRequests,     // per-caller limits
  kUnavailable,         // transient: retry later
  kTimeout,             // deadline exceeded
  kCancelled,           // the caller went away
  kDataLoss,            // stored data is corrupt or missing
  kInternal,            // a bug or an unexpected library failure
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // Name of the field, query parameter or DICOM attribute the error is about (may be empty).
  const std::string& field() const { return field_; }

  // "InvalidArgument: message [field]"
  std::string ToString() const;

  // Returns a copy with `prefix + ": "` prepended to the message.
  Status WithContext(std::string_view prefix) const;

  // Marks a deliberately ignored error (best-effort cleanup after another failure).
  void IgnoreError() const {}

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
};

inline Status InvalidArgument(std::string m, std::string field = {}) {
  return Status(Code::kInvalidArgument, std::move(m), std::move(field));
}
inline Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
inline Status Conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }
inline Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }
inline Status Unsupported(std::string m, std::string field = {}) {
  return Status(Code::kUnsupported, std::move(m), std::move(field));
}
inline Status ResourceExhausted(std::string m) {
  return Status(Code::kResourceExhausted, std::move(m));
}
inline Status PayloadTooLarge(std::string m, std::string field = {}) {
  return Status(Code::kPayloadTooLarge, std::move(m), std::move(field));
}
inline Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
inline Status DataLoss(std::string m) { return Status(Code::kDataLoss, std::move(m)); }
inline Status FailedPrecondition(std::string m) {
  return Status(Code::kFailedPrecondition, std::move(m));
}
inline Status PermissionDenied(std::string m) {
  return Status(Code::kPermissionDenied, std::move(m));
}
inline Status Unauthenticated(std::string m) {
  return Status(Code::kUnauthenticated, std::move(m));
}

// Result<T>: either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status(Code::kInternal, "Result built from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace dokuei::base

// Propagate a non-OK Status from an expression returning Status.
#define DOKUEI_RETURN_IF_ERROR(expr)                          \
  do {                                                        \
    ::dokuei::base::Status _dokuei_st = (expr);               \
    if (!_dokuei_st.ok()) return _dokuei_st;                  \
  } while (0)

#define DOKUEI_CONCAT_INNER(a, b) a##b
#define DOKUEI_CONCAT(a, b) DOKUEI_CONCAT_INNER(a, b)
// DOKUEI_ASSIGN_OR_RETURN(auto x, ExprReturningResult());
#define DOKUEI_ASSIGN_OR_RETURN(lhs, expr)                                    \
  auto DOKUEI_CONCAT(_dokuei_res_, __LINE__) = (expr);                        \
  if (!DOKUEI_CONCAT(_dokuei_res_, __LINE__).ok())                            \
    return DOKUEI_CONCAT(_dokuei_res_, __LINE__).status();                    \
  lhs = std::move(DOKUEI_CONCAT(_dokuei_res_, __LINE__)).value()
