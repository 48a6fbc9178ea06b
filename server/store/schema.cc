#include "server/store/schema.h"

#include "absl/strings/str_cat.h"
#include "server/store/conninfo.h"
#include "server/store/pg_status.h"

namespace indicators::store {
namespace {

constexpr const char kCreateMigrationTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version integer PRIMARY KEY,"
    "  name text NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now())";

// Any fixed number: the advisory lock that serializes migrators.
constexpr const char kLockMigrations[] =
    "SELECT pg_advisory_xact_lock(7350921)";

int LatestVersion() { return Migrations().back().version; }

}  // namespace

absl::StatusOr<std::vector<std::string>> Migrate(const std::string& conninfo) {
  return Guarded("migrate", [&] {
    pqxx::connection connection(WithTimeLimits(conninfo));
    std::vector<std::string> applied;
    for (const Migration& migration : Migrations()) {
      pqxx::work txn(connection);
      txn.exec(kLockMigrations);
      txn.exec0(kCreateMigrationTable);
      const pqxx::result done =
          txn.exec("SELECT 1 FROM schema_migrations WHERE version = " +
                   txn.quote(migration.version));
      if (!done.empty()) continue;
      txn.exec0(migration.sql);
      txn.exec0("INSERT INTO schema_migrations (version, name) VALUES (" +
                txn.quote(migration.version) + ", " +
                txn.quote(migration.name) + ")");
      txn.commit();
      applied.push_back(migration.name);
    }
    return applied;
  });
}

absl::Status CheckSchema(pqxx::transaction_base& txn) {
  const pqxx::result table =
      txn.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  int version = 0;
  if (table[0][0].as<bool>()) {
    const pqxx::result row =
        txn.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
    version = row[0][0].as<int>();
  }
  if (version >= LatestVersion()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the database's schema is at version ", version, "; this build needs ",
      LatestVersion(), ": run `indicators-admin migrate`"));
}

}  // namespace indicators::store
