// Result<T>: a value or the Status that explains why there is none (like arrow::Result).
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "sensorlake/common/status.h"

namespace sensorlake {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : storage_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(storage_).ok() && "Result built from an OK status");
    if (std::get<Status>(storage_).ok()) {
      storage_ = Status::Internal("Result constructed from an OK status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(storage_); }
  Status status() const { return ok() ? Status::OK() : std::get<Status>(storage_); }

  const T& ValueOrDie() const& { return std::get<T>(storage_); }
  T& ValueOrDie() & { return std::get<T>(storage_); }
  T ValueOrDie() && { return std::move(std::get<T>(storage_)); }
  T MoveValueUnsafe() { return std::move(std::get<T>(storage_)); }

  const T& operator*() const& { return ValueOrDie(); }
  T& operator*() & { return ValueOrDie(); }
  const T* operator->() const { return &std::get<T>(storage_); }
  T* operator->() { return &std::get<T>(storage_); }

 private:
  std::variant<Status, T> storage_;
};

}  // namespace sensorlake

// lhs = value of `rexpr` (a Result<T>), or return its Status from the enclosing function.
#define SL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                             \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).MoveValueUnsafe();

#define SL_ASSIGN_OR_RETURN(lhs, rexpr) \
  SL_ASSIGN_OR_RETURN_IMPL(SL_CONCAT(_sl_result_, __LINE__), lhs, rexpr)

// Same for an expression returning arrow::Result<T>.
#define SL_ASSIGN_OR_RETURN_ARROW_IMPL(tmp, lhs, rexpr)                \
  auto tmp = (rexpr);                                                  \
  if (!tmp.ok()) return ::sensorlake::Status::FromArrow(tmp.status()); \
  lhs = std::move(tmp).MoveValueUnsafe();

#define SL_ASSIGN_OR_RETURN_ARROW(lhs, rexpr) \
  SL_ASSIGN_OR_RETURN_ARROW_IMPL(SL_CONCAT(_sl_aresult_, __LINE__), lhs, rexpr)
