#ifndef INDICATORS_SERVER_STORE_POSTGRES_WRITER_H_
#define INDICATORS_SERVER_STORE_POSTGRES_WRITER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/core/change/ingest_batch.h"
#include "server/store/connection_pool.h"

namespace indicators::store {

// Writes ingest batches into the dataset stored in PostgreSQL. One batch is
// one repeatable-read transaction that first locks the revision counter (so
// writers, imports included, take turns): it replays a known idempotency key,
// checks the batch against the stored catalog (`CheckIngestBatch`), adds the
// new sources, then for each observation adds it, leaves it (same content) or
// revises it, copying the stored value to `observation_history` first, and
// moves each withdrawn observation there. The key and the result are stored
// in the same transaction, so a batch is either wholly committed with its key
// or not at all. Serialization failures are retried.
class PostgresWriter final : public DatasetWriter {
 public:
  // Writes on connections of `pool`.
  explicit PostgresWriter(std::shared_ptr<const ConnectionPool> pool)
      : pool_(std::move(pool)) {}

  absl::StatusOr<IngestResult> Ingest(const IngestBatch& batch) const override;

 private:
  std::shared_ptr<const ConnectionPool> pool_;
};

}  // namespace indicators::store

#endif  // INDICATORS_SERVER_STORE_POSTGRES_WRITER_H_
