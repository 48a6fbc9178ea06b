#ifndef INDICATORS_SERVER_STORE_POSTGRES_STORE_H_
#define INDICATORS_SERVER_STORE_POSTGRES_STORE_H_

#include <cstdint>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/dataset/dataset.h"
#include "server/core/load/dataset_source.h"
#include "server/store/conninfo.h"

namespace indicators::store {

// The dataset as stored: the four tables as CSV texts (`kDatasetFiles`
// order, rows in their stored order) and the revision they hold, all read in
// one snapshot.
struct StoredTexts {
  std::string texts[4];
  int64_t revision = 0;
  // The ordinal of each observation row of `texts[3]`, in order.
  std::vector<int64_t> ordinals;
};

// Reads the stored dataset from the database at `conninfo` in one
// repeatable-read, read-only snapshot (COPY of each table; the observations
// in two halves on two connections sharing the snapshot). UNAVAILABLE if the
// database cannot be reached; FAILED_PRECONDITION if the schema is not
// migrated.
absl::StatusOr<StoredTexts> ReadStoredTexts(const std::string& conninfo);

// Reads the indicators, regions and sources tables as the CSV texts of their
// files (rows in stored order) within `txn`.
absl::Status ReadCatalog(pqxx::transaction_base& txn, std::string (&texts)[3]);

// Returns the stored revision within `txn`; with `for_update`, locks the
// counter until `txn` ends (the writers' turn).
int64_t RevisionIn(pqxx::transaction_base& txn, bool for_update);

// Reads the stored revision.
absl::StatusOr<int64_t> ReadRevision(pqxx::connection& connection);

// Connects to `conninfo` (a libpq connection string or URI), reads the stored
// dataset and loads it as `LoadDataset` loads a directory: the same content
// gives the same version. UNAVAILABLE if the database cannot be reached.
absl::StatusOr<std::shared_ptr<const Dataset>> LoadFromDatabase(
    const std::string& conninfo);

// What `ImportDirectory` did.
struct ImportResult {
  bool changed = false;  // False if the database already held this content.
  int64_t revision = 0;  // The revision after the import.
  std::string version;   // The content version now stored.
};

// Checks the CSV directory `dir` as the server would load it (nothing is
// written if it is invalid), then, if its content differs from what is
// stored, replaces the stored dataset with it in one transaction (one new
// revision). Importing the same content again changes nothing.
absl::StatusOr<ImportResult> ImportDirectory(const std::string& conninfo,
                                             const std::string& dir);

// Writes the stored dataset as the four CSV files into `dir` (created if
// missing; each file replaced whole), checked as a load would check it.
// Returns the revision and version written, which a load of `dir` gives too.
absl::StatusOr<ImportResult> ExportDirectory(const std::string& conninfo,
                                             const std::string& dir);

// The dataset stored in PostgreSQL, as a server's source.
class DatabaseSource final : public DatasetSource {
 public:
  explicit DatabaseSource(std::string conninfo)
      : conninfo_(std::move(conninfo)),
        description_(DescribeDatabase(conninfo_)) {}
  absl::StatusOr<std::shared_ptr<const Dataset>> Load() const override {
    return LoadFromDatabase(conninfo_);
  }
  std::string Describe() const override { return description_; }

 private:
  std::string conninfo_;
  std::string description_;
};

}  // namespace indicators::store

#endif  // INDICATORS_SERVER_STORE_POSTGRES_STORE_H_
