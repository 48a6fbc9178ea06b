#ifndef INDICATORS_SERVER_CORE_CHANGE_INGEST_BATCH_H_
#define INDICATORS_SERVER_CORE_CHANGE_INGEST_BATCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/core/dataset/records.h"

namespace indicators {

// One observation, identified as the dataset's duplicate rule does: the
// figure and the set of sources it cites.
struct ObservationKey {
  std::string indicator_id;
  std::string region_code;
  std::string period;
  std::vector<std::string> source_ids;
};

// A batch of changes to a stored dataset (`IngestObservations`), its items as
// the dataset files' records, so that the loader's own rules check them.
struct IngestBatch {
  // Observations added, or revising the stored one with the same key.
  std::vector<ObservationRecord> observations;
  // Stored observations to withdraw.
  std::vector<ObservationKey> withdrawals;
  // Sources to add.
  std::vector<SourceRecord> sources;
  // The client's key for retries; empty: none.
  std::string idempotency_key;
};

// What a batch did.
struct IngestResult {
  int64_t revision = 0;  // The revision that holds it; 0 if nothing changed.
  int32_t added = 0;
  int32_t revised = 0;
  int32_t withdrawn = 0;
  int32_t unchanged = 0;
  int32_t sources_added = 0;
  bool replayed = false;  // The key had been used: the first result.
};

// The most items one batch may hold.
inline constexpr size_t kMaxBatchItems = 10000;
// The longest idempotency key.
inline constexpr size_t kMaxIdempotencyKeyBytes = 128;

// Checks `batch` by the loader's rules against the stored catalog (`catalog`:
// the texts of indicators.csv, regions.csv and sources.csv): the batch's
// sources are added to the catalog's and its observations make the
// observations file, which must load. Returns OK, or INVALID_ARGUMENT (reason
// INVALID_BATCH) with one violation per problem, named by the batch's fields:
// `observations[3].period`, `sources[0].id`, `withdrawals[1].period`.
absl::Status CheckIngestBatch(const std::string (&catalog)[3],
                              const IngestBatch& batch);

// Returns the SHA-256 (hex) of the batch's content, not its key, so that a
// key sent again with another batch is told apart from a retry.
std::string IngestBatchDigest(const IngestBatch& batch);

// Where batches are stored, keeping every earlier value.
class DatasetWriter {
 public:
  virtual ~DatasetWriter() = default;
  // Applies `batch` in one transaction and returns what it did once it is
  // committed; nothing of an invalid batch is stored (INVALID_ARGUMENT as
  // `CheckIngestBatch` says). A store that cannot be reached gives
  // UNAVAILABLE (nothing was committed).
  virtual absl::StatusOr<IngestResult> Ingest(
      const IngestBatch& batch) const = 0;
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_CHANGE_INGEST_BATCH_H_
