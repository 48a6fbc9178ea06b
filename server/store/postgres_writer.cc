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

// Returns a PostgreSQL array literal of `items`, each quoted.
std::string QuotedArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// The stored observation with `key`'s indicator, region, period and set of
// sources: its ordinal, or nullopt.
std::optional<int64_t> FindStored(pqxx::transaction_base& txn,
                                  const ObservationKey& key) {
  const pqxx::result row = txn.exec_params(
      "SELECT ordinal FROM observations WHERE indicator_id = $1 AND "
      "region_code = $2 AND period = $3 AND source_ids @> $4::text[] AND "
      "source_ids <@ $4::text[]",
      key.indicator_id, key.region_code, key.period,
      QuotedArray(key.source_ids));
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

// The batch's observations as a relation `b` (columns as in `observations`,
// `k` their order), and `m`: those that match a stored row by the duplicate
// rule, with its ordinal and whether its content is the same. (Statements
// join `m` only to the table's indexes: joined to `b`, the planner, which
// cannot estimate the unnest, takes a nested loop over both.) $1..$8 are the
// columns as arrays (source ids joined by ';'), $9 the revision.
constexpr char kBatchAndMatches[] =
    "WITH b AS (SELECT indicator_id, region_code, period, value, qualifier, "
    "status, string_to_array(sources, ';') AS source_ids, note, k FROM "
    "unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::text[], "
    "$6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS u(indicator_id, "
    "region_code, period, value, qualifier, status, sources, note, k)), "
    "m AS (SELECT b.*, o.ordinal, (o.value = b.value AND o.qualifier = "
    "b.qualifier AND o.status = b.status AND o.note = b.note) AS same "
    "FROM b JOIN observations o ON o.indicator_id = b.indicator_id AND "
    "o.region_code = b.region_code AND o.period = b.period AND "
    "o.source_ids @> b.source_ids AND o.source_ids <@ b.source_ids) ";

// Adds the batch's observations, leaves those stored with the same content
// and revises the others, copying the stored value to the history first:
// four statements for the whole batch, whatever its size (each statement
// also runs the change-recording trigger once).
void AddOrRevise(pqxx::transaction_base& txn, const IngestBatch& batch,
                 int64_t revision, IngestResult* result) {
  if (batch.observations.empty()) return;
  std::vector<std::string> columns[8];
  for (const ObservationRecord& o : batch.observations) {
    columns[0].push_back(o.indicator_id);
    columns[1].push_back(o.region_code);
    columns[2].push_back(o.period);
    columns[3].push_back(o.value);
    columns[4].push_back(o.qualifier);
    columns[5].push_back(o.status);
    columns[6].push_back(absl::StrJoin(o.source_ids, ";"));
    columns[7].push_back(o.note);
  }
  std::string arrays[8];
  for (int c = 0; c < 8; ++c) arrays[c] = QuotedArray(columns[c]);
  auto exec = [&](const std::string& statement) {
    return txn.exec_params(absl::StrCat(kBatchAndMatches, statement), arrays[0],
                           arrays[1], arrays[2], arrays[3], arrays[4],
                           arrays[5], arrays[6], arrays[7], revision);
  };
  const pqxx::row counts = exec(
      "SELECT count(*) FILTER (WHERE same), count(*) FILTER (WHERE NOT "
      "same), $9::bigint FROM m")[0];
  result->unchanged += counts[0].as<int32_t>();
  const int32_t revised = counts[1].as<int32_t>();
  if (revised > 0) {
    // The stored values go to the history; the rows keep their places
    // (ordinals) and take the new values.
    exec(
        "INSERT INTO observation_history (indicator_id, region_code, "
        "period, value, qualifier, status, source_ids, note, recorded_in, "
        "recorded_at, superseded_in, superseded_at, withdrawn) "
        "SELECT o.indicator_id, o.region_code, o.period, o.value, "
        "o.qualifier, o.status, o.source_ids, o.note, o.recorded_in, "
        "o.recorded_at, $9, now(), false FROM m JOIN observations o ON "
        "o.ordinal = m.ordinal WHERE NOT m.same");
    exec(
        "UPDATE observations o SET value = m.value, qualifier = m.qualifier, "
        "status = m.status, source_ids = m.source_ids, note = m.note, "
        "recorded_in = $9, recorded_at = now() FROM m "
        "WHERE o.ordinal = m.ordinal AND NOT m.same");
    result->revised += revised;
  }
  const int32_t added = static_cast<int32_t>(batch.observations.size()) -
                        counts[0].as<int32_t>() - revised;
  if (added > 0) {
    exec(
        "INSERT INTO observations (ordinal, indicator_id, region_code, "
        "period, value, qualifier, status, source_ids, note, recorded_in) "
        "SELECT (SELECT coalesce(max(ordinal), 0) FROM observations) + "
        "row_number() OVER (ORDER BY b.k), b.indicator_id, b.region_code, "
        "b.period, b.value, b.qualifier, b.status, b.source_ids, b.note, $9 "
        "FROM b WHERE NOT EXISTS (SELECT 1 FROM observations o WHERE "
        "o.indicator_id = b.indicator_id AND o.region_code = b.region_code "
        "AND o.period = b.period AND o.source_ids @> b.source_ids AND "
        "o.source_ids <@ b.source_ids) ORDER BY b.k");
    result->added += added;
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
