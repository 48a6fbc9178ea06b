#ifndef INDICATORS_SERVER_STORE_SCHEMA_H_
#define INDICATORS_SERVER_STORE_SCHEMA_H_

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace indicators::store {

// One schema change, from `server/store/migrations/NNNN_name.sql`.
struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Returns the migrations built into this binary, oldest first.
absl::Span<const Migration> Migrations();

// Applies the migrations the database at `conninfo` lacks, oldest first, each
// in its own transaction with its row in `schema_migrations`; an advisory
// lock keeps two migrators apart. Returns the names applied (none if the
// schema is current).
absl::StatusOr<std::vector<std::string>> Migrate(const std::string& conninfo);

// Returns OK if the database's schema has every migration this binary knows,
// FAILED_PRECONDITION naming the missing step otherwise.
absl::Status CheckSchema(pqxx::transaction_base& txn);

}  // namespace indicators::store

#endif  // INDICATORS_SERVER_STORE_SCHEMA_H_
