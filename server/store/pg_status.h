#ifndef INDICATORS_SERVER_STORE_PG_STATUS_H_
#define INDICATORS_SERVER_STORE_PG_STATUS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace indicators::store {

// Returns the exception being handled (call it only inside a `catch`) as a
// status whose message starts with `what`: UNAVAILABLE when the database
// cannot be reached or the connection broke; FAILED_PRECONDITION when the
// schema is missing; ABORTED for a serialization failure or deadlock (the
// caller may retry); INVALID_ARGUMENT when the data breaks a constraint;
// INTERNAL for anything else.
absl::Status StatusFromCurrentException(absl::string_view what);

template <typename T>
struct AsStatusOr {
  using type = absl::StatusOr<T>;
};
template <typename T>
struct AsStatusOr<absl::StatusOr<T>> {
  using type = absl::StatusOr<T>;
};
template <>
struct AsStatusOr<absl::Status> {
  using type = absl::Status;
};

// Runs `body`, which may throw libpqxx's exceptions, and returns what it
// returns (a status, a `StatusOr` or a value, as a `StatusOr`), or the
// exception as a status.
template <typename Body>
auto Guarded(absl::string_view what, Body body) {
  using Returned = typename AsStatusOr<decltype(body())>::type;
  try {
    return Returned(body());
  } catch (...) {
    return Returned(StatusFromCurrentException(what));
  }
}

}  // namespace indicators::store

#endif  // INDICATORS_SERVER_STORE_PG_STATUS_H_
