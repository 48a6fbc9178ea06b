#include "server/store/postgres_writer.h"

#include <algorithm>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/store/conninfo.h"
#include "server/store/pg_status.h"
#include "server/store/postgres_store.h"
#include "server/store/schema.h"

namespace indicators::store {
namespace {

// Returns a text[] literal of ids (ids hold only letters, digits, '_', '-'
// and '.', so none needs quoting).
std::string IdArray(const std::vector<std::string>& ids) {
  return absl::StrCat("{", absl::StrJoin(ids, ","), "}");
}

// The stored observation with `key`'s indicator, region, period and set of
// sources: its ordinal, or nullopt.
std::optional<int64_t> FindStored(pqxx::transaction_base& txn,
                                  const ObservationKey& key) {
  const pqxx::result row = txn.exec_params(
      "SELECT ordinal FROM observations WHERE indicator_id = $1 AND "
      "region_code = $2 AND period = $3 AND source_ids @> $4::text[] AND "
      "source_ids <@ $4::text[]",
      key.indicator_id, key.region_code, key.period, IdArray(key.source_ids));
  if (row.empty()) return std::nullopt;
  return row[0][0].as<int64_t>();
}

// Copies the stored observation `ordinal` into the history as superseded in
// `revision` (withdrawn, or replaced by a revised value).
void KeepInHistory(pqxx::transaction_base& txn, int64_t ordinal,
                   int64_t revision, bool withdrawn) {
  txn.exec_params0(
      "INSERT INTO observation_history (indicator_id, region_code, period, "
      "value, qualifier, status, source_ids, note, recorded_in, recorded_at, "
      "superseded_in, superseded_at, withdrawn) "
      "SELECT indicator_id, region_code, period, value, qualifier, status, "
      "source_ids, note, recorded_in, recorded_at, $2, now(), $3 "
      "FROM observations WHERE ordinal = $1",
      ordinal, revision, withdrawn);
}

// Withdraws the batch's withdrawals, keeping each value in the history;
// INVALID_ARGUMENT naming each one that matches no stored observation.
absl::Status Withdraw(pqxx::transaction_base& txn, const IngestBatch& batch,
                      int64_t revision, IngestResult* result) {
  std::vector<FieldViolation> missing;
  for (size_t i = 0; i < batch.withdrawals.size(); ++i) {
    std::optional<int64_t> stored = FindStored(txn, batch.withdrawals[i]);
    if (!stored) {
      missing.push_back({absl::StrCat("withdrawals[", i, "]"),
                         "no stored observation has this indicator, region, "
                         "period and set of sources"});
      continue;
    }
    KeepInHistory(txn, *stored, revision, /*withdrawn=*/true);
    txn.exec_params0("DELETE FROM observations WHERE ordinal = $1", *stored);
    ++result->withdrawn;
  }
  return InvalidFields(reason::kInvalidBatch, missing);
}

// Adds the batch's new sources.
void AddSources(pqxx::transaction_base& txn, const IngestBatch& batch,
                IngestResult* result) {
  for (const SourceRecord& source : batch.sources) {
    // The check let through only new sources and exact copies of stored
    // ones, which are left alone (no statement at all: a statement that
    // changes no row would still raise the revision).
    if (!txn.exec_params("SELECT 1 FROM sources WHERE source_id = $1",
                         source.id)
             .empty()) {
      continue;
    }
    txn.exec_params0(
        "INSERT INTO sources (source_id, publisher, title, published, url, "
        "reliability, note, ordinal) "
        "SELECT $1, $2, $3, $4, $5, $6, $7, coalesce(max(ordinal), 0) + 1 "
        "FROM sources",
        source.id, source.publisher, source.title, source.published, source.url,
        source.reliability, source.note);
    ++result->sources_added;
  }
}

// Adds each observation of the batch, leaves it (same content) or revises
// the stored one, copying the stored value to the history first.
void AddOrRevise(pqxx::transaction_base& txn, const IngestBatch& batch,
                 int64_t revision, IngestResult* result) {
  int64_t next_ordinal =
      txn.exec("SELECT coalesce(max(ordinal), 0) FROM observations")[0][0]
          .as<int64_t>();
  for (const ObservationRecord& o : batch.observations) {
    const ObservationKey key{o.indicator_id, o.region_code, o.period,
                             o.source_ids};
    std::optional<int64_t> stored = FindStored(txn, key);
    if (!stored) {
      txn.exec_params0(
          "INSERT INTO observations (ordinal, indicator_id, region_code, "
          "period, value, qualifier, status, source_ids, note, recorded_in) "
          "VALUES ($1, $2, $3, $4, $5::numeric, $6, $7, $8::text[], $9, $10)",
          ++next_ordinal, o.indicator_id, o.region_code, o.period, o.value,
          o.qualifier, o.status, IdArray(o.source_ids), o.note, revision);
      ++result->added;
      continue;
    }
    const bool same =
        txn.exec_params(
               "SELECT value = $2::numeric AND qualifier = $3 AND "
               "status = $4 AND note = $5 FROM observations "
               "WHERE ordinal = $1",
               *stored, o.value, o.qualifier, o.status, o.note)[0][0]
            .as<bool>();
    if (same) {
      ++result->unchanged;
      continue;
    }
    // A revision: the stored value goes to the history; the row keeps its
    // place (ordinal) and takes the new value.
    KeepInHistory(txn, *stored, revision, /*withdrawn=*/false);
    txn.exec_params0(
        "UPDATE observations SET value = $2::numeric, qualifier = $3, "
        "status = $4, source_ids = $5::text[], note = $6, recorded_in = $7, "
        "recorded_at = now() WHERE ordinal = $1",
        *stored, o.value, o.qualifier, o.status, IdArray(o.source_ids), o.note,
        revision);
    ++result->revised;
  }
}

// Applies a checked batch within `txn`; `revision` is the one it creates.
absl::StatusOr<IngestResult> Apply(pqxx::transaction_base& txn,
                                   const IngestBatch& batch, int64_t revision) {
  IngestResult result;
  RETURN_IF_ERROR(Withdraw(txn, batch, revision, &result));
  AddSources(txn, batch, &result);
  AddOrRevise(txn, batch, revision, &result);
  return result;
}

// Runs one attempt of the batch's transaction.
absl::StatusOr<IngestResult> IngestOnce(pqxx::connection& connection,
                                        const IngestBatch& batch,
                                        const std::string& digest) {
  // Read committed, the counter locked first: the writers' turn, held until
  // commit. Every later statement sees what the writers before committed,
  // and nobody else can commit a change of the dataset meanwhile (a change
  // raises the counter, so it waits for the lock), so the batch runs as if
  // alone without being started again. (In repeatable read, the snapshot
  // taken before the lock is granted would make a waiting writer fail with a
  // serialization error and retry, which eight concurrent writers exhaust.)
  pqxx::transaction<pqxx::read_committed> txn(connection);
  const int64_t before = RevisionIn(txn, /*for_update=*/true);
  RETURN_IF_ERROR(CheckSchema(txn));
  if (!batch.idempotency_key.empty()) {
    const pqxx::result known = txn.exec_params(
        "SELECT digest, revision, added, revised, withdrawn, unchanged, "
        "sources_added FROM ingest_batches WHERE idempotency_key = $1",
        batch.idempotency_key);
    if (!known.empty()) {
      if (known[0][0].as<std::string>() != digest) {
        return InvalidFields(
            reason::kIdempotencyKeyReused,
            {{"idempotency_key",
              absl::StrCat("was used for another batch (revision ",
                           known[0][1].as<int64_t>(), ")")}});
      }
      IngestResult first;
      first.revision = known[0][1].as<int64_t>();
      first.added = known[0][2].as<int32_t>();
      first.revised = known[0][3].as<int32_t>();
      first.withdrawn = known[0][4].as<int32_t>();
      first.unchanged = known[0][5].as<int32_t>();
      first.sources_added = known[0][6].as<int32_t>();
      first.replayed = true;
      return first;
    }
  }
  std::string catalog[3];
  RETURN_IF_ERROR(ReadCatalog(txn, catalog));
  RETURN_IF_ERROR(CheckIngestBatch(catalog, batch));
  // The statement trigger raises the counter once, at the first write.
  ASSIGN_OR_RETURN(IngestResult result, Apply(txn, batch, before + 1));
  result.revision = RevisionIn(txn, /*for_update=*/false);
  if (!batch.idempotency_key.empty()) {
    txn.exec_params0(
        "INSERT INTO ingest_batches (idempotency_key, digest, revision, added, "
        "revised, withdrawn, unchanged, sources_added) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        batch.idempotency_key, digest, result.revision, result.added,
        result.revised, result.withdrawn, result.unchanged,
        result.sources_added);
  }
  txn.commit();
  return result;
}

}  // namespace

absl::StatusOr<IngestResult> PostgresWriter::Ingest(
    const IngestBatch& batch) const {
  const std::string digest = IngestBatchDigest(batch);
  absl::StatusOr<IngestResult> result;
  absl::Status status = pool_->Run("ingest", [&](pqxx::connection& connection) {
    constexpr int kAttempts = 5;
    for (int attempt = 1;; ++attempt) {
      result = Guarded("ingest",
                       [&] { return IngestOnce(connection, batch, digest); });
      if (result.status().code() != absl::StatusCode::kAborted ||
          attempt == kAttempts) {
        return result.status();
      }
    }
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace indicators::store
