#ifndef INDICATORS_SERVER_CORE_BASE_STATUS_MACROS_H_
#define INDICATORS_SERVER_CORE_BASE_STATUS_MACROS_H_

// Early-return helpers for `absl::Status` and `absl::StatusOr`, which this
// Abseil release does not ship.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define INDICATORS_CONCAT_INNER_(a, b) a##b
#define INDICATORS_CONCAT_(a, b) INDICATORS_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    if (absl::Status status_ = (expr); !status_.ok()) { \
      return status_;                                   \
    }                                                   \
  } while (false)

// Evaluates `rexpr` (an `absl::StatusOr<T>`); returns its status if not OK,
// otherwise moves its value into `lhs`, which may be a declaration.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(INDICATORS_CONCAT_(statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                           \
  if (!statusor.ok()) {                              \
    return std::move(statusor).status();             \
  }                                                  \
  lhs = *std::move(statusor)

#endif  // INDICATORS_SERVER_CORE_BASE_STATUS_MACROS_H_
