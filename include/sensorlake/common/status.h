// Errors are values: every fallible function returns Status or Result<T> (result.h).
// Modeled on arrow::Status: a code plus a message, cheap when OK.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace arrow {
class Status;
}  // namespace arrow

namespace sensorlake {

enum class StatusCode : int8_t {
  kOk = 0,
  kInvalid,         // bad input: a raw line, a config value, a CLI argument
  kNotFound,        // a file, object, dataset version or lake that does not exist
  kAlreadyExists,   // refusing to overwrite something immutable
  kIOError,         // storage or network failure; may be transient
  kCorrupt,         // data that fails verification (checksum, size, conservation)
  kBusy,            // another writer holds the lake's lock
  kRefused,         // input refused for safety (zip-slip, size bomb, symlink)
  kNotImplemented,  // a part not built yet: says so instead of pretending
  kCancelled,
  kInternal,  // a bug in sensorlake
};

// Process exit code for each status code; documented in docs/cli.md.
int ExitCodeFor(StatusCode code);
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  template <typename... Args>
  static Status Invalid(fmt::format_string<Args...> f, Args&&... args) {
    return Status(StatusCode::kInvalid, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Status NotFound(fmt::format_string<Args...> f, Args&&... args) {
    return Status(StatusCode::kNotFound, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Status AlreadyExists(fmt::format_string<Args...> f, Args&&... args) {
    return Status(StatusCode::kAlreadyExists, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Status IOError(fmt::format_string<Args...> f, Args&&... args) {
    return Status(StatusCode::kIOError, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Status Corrupt(fmt::format_string<Args...> f, Args&&... args) {
    return Status(StatusCode::kCorrupt, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Status Busy(fmt::format_string<Args...> f, Args&&... args) {
    return Status(StatusCode::kBusy, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Status Refused(fmt::format_string<Args...> f, Args&&... args) {
    return Status(StatusCode::kRefused, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Status NotImplemented(fmt::format_string<Args...> f, Args&&... args) {
    return Status(StatusCode::kNotImplemented, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Status Internal(fmt::format_string<Args...> f, Args&&... args) {
    return Status(StatusCode::kInternal, fmt::format(f, std::forward<Args>(args)...));
  }

  // Converts an Arrow status (I/O, Parquet) into ours, keeping its message.
  static Status FromArrow(const arrow::Status& st);

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return ok() ? StatusCode::kOk : state_->code; }
  const std::string& message() const;
  // "IOError: message"
  std::string ToString() const;

  // Returns a copy whose message starts with `context: `, so a caller can say where.
  Status WithContext(std::string_view context) const;

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  // shared_ptr makes copies cheap; a Status is immutable once made.
  std::shared_ptr<const State> state_;
};

}  // namespace sensorlake

#define SL_CONCAT_INNER(a, b) a##b
#define SL_CONCAT(a, b) SL_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define SL_RETURN_NOT_OK(expr)                \
  do {                                        \
    ::sensorlake::Status _sl_status = (expr); \
    if (!_sl_status.ok()) return _sl_status;  \
  } while (false)

// Same for an expression returning arrow::Status.
#define SL_RETURN_NOT_OK_ARROW(expr)                                                      \
  do {                                                                                    \
    ::arrow::Status _sl_arrow_status = (expr);                                            \
    if (!_sl_arrow_status.ok()) return ::sensorlake::Status::FromArrow(_sl_arrow_status); \
  } while (false)
