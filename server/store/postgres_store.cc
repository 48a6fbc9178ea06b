#include "server/store/postgres_store.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/core/base/csv_reader.h"
#include "server/core/base/csv_writer.h"
#include "server/core/base/file_io.h"
#include "server/core/base/status_macros.h"
#include "server/core/dataset/content_version.h"
#include "server/core/load/dataset_loader.h"
#include "server/store/conninfo.h"
#include "server/store/copy_format.h"
#include "server/store/pg_status.h"
#include "server/store/schema.h"

namespace indicators::store {
namespace {

// How each CSV file maps to its table, in `kDatasetFiles` order: the query
// that reads the file's columns (rows in stored order with `kInStoredOrder`),
// and the columns COPY writes (the file's, then the ordinal).
struct TableMapping {
  const char* table;
  const char* select;
  std::vector<std::string> columns;
};

const TableMapping kTables[] = {
    {"indicators",
     "SELECT indicator_id, name, unit, unit_multiplier, description, "
     "aggregation FROM indicators",
     {"indicator_id", "name", "unit", "unit_multiplier", "description",
      "aggregation", "ordinal"}},
    {"regions",
     "SELECT region_code, name, type, parent_code FROM regions",
     {"region_code", "name", "type", "parent_code", "ordinal"}},
    {"sources",
     "SELECT source_id, publisher, title, published, url, reliability, note "
     "FROM sources",
     {"source_id", "publisher", "title", "published", "url", "reliability",
      "note", "ordinal"}},
    {"observations",
     "SELECT indicator_id, region_code, period, value, qualifier, status, "
     "array_to_string(source_ids, ';'), note FROM observations",
     {"indicator_id", "region_code", "period", "value", "qualifier", "status",
      "source_ids", "note", "ordinal"}},
};
constexpr const char kInStoredOrder[] = " ORDER BY ordinal";
constexpr int kRegions = 1;
constexpr int kObservations = 3;
constexpr int kParentCodeColumn = 3;
constexpr int kSourceIdsColumn = 6;

// Appends the rows of `query` to `text` as CSV records. With `ordinals`,
// the query's last column is each row's ordinal, appended there instead.
absl::Status AppendQueryAsCsv(pqxx::transaction_base& txn,
                              const std::string& query, std::string* text,
                              std::vector<int64_t>* ordinals = nullptr) {
  std::string line;
  std::vector<std::string> fields;
  std::vector<absl::string_view> views;
  // libpqxx 6.4 writes `COPY <name> TO STDOUT`; a parenthesized query as the
  // name streams a query's rows (what 7.x calls `stream_from::query`).
  pqxx::stream_from stream(txn, absl::StrCat("(", query, ")"));
  while (stream.get_raw_line(line)) {
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (ordinals != nullptr) {
      const size_t tab = line.rfind('\t');
      int64_t ordinal = 0;
      if (tab == std::string::npos ||
          !absl::SimpleAtoi(absl::string_view(line).substr(tab + 1),
                            &ordinal)) {
        return absl::DataLossError(
            absl::StrCat("a stored observation has no ordinal: ", line));
      }
      ordinals->push_back(ordinal);
      line.resize(tab);
    }
    // Most rows have no escapes and nothing CSV must quote: their CSV
    // record is the line with commas for tabs.
    if (line.find_first_of("\\,\"\r") == std::string::npos) {
      const size_t start = text->size();
      text->append(line).push_back('\n');
      std::replace(text->begin() + start, text->end(), '\t', ',');
      continue;
    }
    RETURN_IF_ERROR(DecodeCopyLine(line, &fields));
    views.assign(fields.begin(), fields.end());
    AppendCsvRecord(views, text);
  }
  stream.complete();
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadCatalog(pqxx::transaction_base& txn, std::string (&texts)[3]) {
  for (int t = 0; t < 3; ++t) {
    texts[t] = absl::StrCat(kDatasetHeaders[t], "\n");
    RETURN_IF_ERROR(AppendQueryAsCsv(
        txn, absl::StrCat(kTables[t].select, kInStoredOrder), &texts[t]));
  }
  return absl::OkStatus();
}

namespace {

// The query of the observations `where` (such as " WHERE ordinal <= 10"),
// in stored order, with `ordinal` as a last column if `with_ordinals`.
std::string ObservationsQuery(absl::string_view where, bool with_ordinals) {
  absl::string_view select = kTables[kObservations].select;
  const size_t from = select.rfind(" FROM ");
  return absl::StrCat(select.substr(0, from), with_ordinals ? ", ordinal" : "",
                      select.substr(from), where, kInStoredOrder);
}

// Reads the four tables as CSV texts within `txn`; `observations_where`
// (such as " WHERE ordinal <= 10") limits the observations read. With
// `ordinals`, appends the ordinal of each observation read there.
absl::Status ReadTables(pqxx::transaction_base& txn, std::string (&texts)[4],
                        absl::string_view observations_where = "",
                        std::vector<int64_t>* ordinals = nullptr) {
  std::string catalog[3];
  RETURN_IF_ERROR(ReadCatalog(txn, catalog));
  for (int t = 0; t < 3; ++t) texts[t] = std::move(catalog[t]);
  texts[kObservations] = absl::StrCat(kDatasetHeaders[kObservations], "\n");
  return AppendQueryAsCsv(
      txn, ObservationsQuery(observations_where, ordinals != nullptr),
      &texts[kObservations], ordinals);
}

}  // namespace

int64_t RevisionIn(pqxx::transaction_base& txn, bool for_update) {
  return txn
      .exec(for_update ? "SELECT revision FROM dataset_state FOR UPDATE"
                       : "SELECT revision FROM dataset_state")[0][0]
      .as<int64_t>();
}

namespace {

using ReadOnlySnapshot =
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// Reads the observations with `ordinal > after` as CSV records into `text`,
// in the snapshot `snapshot` exported by another transaction.
absl::Status ReadLaterObservations(const std::string& conninfo,
                                   const std::string& snapshot, int64_t after,
                                   std::string* text,
                                   std::vector<int64_t>* ordinals) {
  return Guarded("read the dataset", [&] {
    pqxx::connection connection(WithTimeLimits(conninfo));
    ReadOnlySnapshot txn(connection);
    txn.exec0("SET TRANSACTION SNAPSHOT " + txn.quote(snapshot));
    RETURN_IF_ERROR(AppendQueryAsCsv(
        txn, ObservationsQuery(absl::StrCat(" WHERE ordinal > ", after), true),
        text, ordinals));
    txn.commit();
    return absl::OkStatus();
  });
}

// Writes the records of one checked CSV text into its (empty) table, whose
// COPY columns are `Columns` (libpqxx 6.4 streams fixed-size rows).
template <size_t Columns>
absl::Status WriteTable(pqxx::transaction_base& txn, int t,
                        const std::string& text, const char* into = nullptr) {
  CsvReader reader(kDatasetFiles[t], text);
  std::vector<absl::string_view> fields;
  ASSIGN_OR_RETURN(bool more, reader.Next(&fields));  // The header.
  pqxx::stream_to stream(txn, into != nullptr ? into : kTables[t].table,
                         kTables[t].columns);
  // libpqxx escapes each value; a null pointer is written as NULL.
  std::vector<std::string> values;
  std::array<const char*, Columns> row;
  int64_t ordinal = 0;
  while (true) {
    ASSIGN_OR_RETURN(more, reader.Next(&fields));
    if (!more) break;
    if (fields.size() == 1 && fields[0].empty()) continue;  // Blank line.
    values.clear();
    for (absl::string_view field : fields) values.emplace_back(field);
    if (t == kObservations) {
      // Ids are letters, digits, '_', '-', '.': quoting keeps `NULL` an id.
      values[kSourceIdsColumn] = absl::StrCat(
          "{\"",
          absl::StrJoin(absl::StrSplit(fields[kSourceIdsColumn], ';'), "\",\""),
          "\"}");
    }
    values.push_back(absl::StrCat(++ordinal));
    if (values.size() != Columns) {
      return absl::InternalError(absl::StrCat(kDatasetFiles[t], " has ",
                                              values.size() - 1, " columns"));
    }
    for (size_t i = 0; i < Columns; ++i) row[i] = values[i].c_str();
    if (t == kRegions && values[kParentCodeColumn].empty()) {
      row[kParentCodeColumn] = nullptr;
    }
    stream << row;
  }
  stream.complete();
  return absl::OkStatus();
}

// The version of a dataset's catalog alone (its published indicators,
// regions and sources).
std::string CatalogVersion(const Dataset& d) {
  DatasetTables t;
  t.indicators.assign(d.indicators().begin(),
                      d.indicators().begin() + d.published_indicator_count());
  t.regions = d.regions();
  t.sources = d.sources();
  return ContentVersion(t);
}

// Within `txn`, makes the stored observations those of `text` by their
// difference: rows of figures the import lacks deleted, rows whose content
// or place differs updated, new figures inserted, so that the triggers
// record just what changed (an import of one revised row is a one-row
// revision that replicas apply). Returns whether the store then holds
// `version`; the caller rolls back otherwise.
absl::StatusOr<bool> ImportDifference(pqxx::transaction_base& txn,
                                      const std::string& text,
                                      const std::string& version) {
  txn.exec0(
      "CREATE TEMP TABLE import_observations (LIKE observations INCLUDING "
      "DEFAULTS) ON COMMIT DROP");
  RETURN_IF_ERROR(
      WriteTable<9>(txn, kObservations, text, "import_observations"));
  txn.exec0("ANALYZE import_observations");
  constexpr char kSameFigure[] =
      "o.indicator_id = i.indicator_id AND o.region_code = i.region_code AND "
      "o.period = i.period AND o.source_ids @> i.source_ids AND "
      "o.source_ids <@ i.source_ids";
  txn.exec0(
      absl::StrCat("DELETE FROM observations o WHERE NOT EXISTS (SELECT 1 FROM "
                   "import_observations i WHERE ",
                   kSameFigure, ")"));
  // The rows keep their ordinals: the import's own (its file order) could
  // collide with other stored rows' while the statement runs; where the
  // order among rows of one figure's period then differs from the file's,
  // the version differs and the caller replaces the dataset whole.
  txn.exec0(absl::StrCat(
      "UPDATE observations o SET value = i.value, qualifier = i.qualifier, "
      "status = i.status, source_ids = i.source_ids, note = i.note, "
      "recorded_in = 0, recorded_at = now() FROM import_observations i WHERE ",
      kSameFigure,
      " AND (o.value <> i.value OR o.qualifier <> i.qualifier OR o.status <> "
      "i.status OR o.note <> i.note OR o.source_ids <> i.source_ids)"));
  txn.exec0(absl::StrCat(
      "INSERT INTO observations (ordinal, indicator_id, region_code, period, "
      "value, qualifier, status, source_ids, note) SELECT (SELECT "
      "coalesce(max(ordinal), 0) FROM observations) + row_number() OVER "
      "(ORDER BY i.ordinal), i.indicator_id, i.region_code, i.period, "
      "i.value, i.qualifier, i.status, i.source_ids, i.note FROM "
      "import_observations i WHERE NOT EXISTS (SELECT 1 FROM observations o "
      "WHERE ",
      kSameFigure, ") ORDER BY i.ordinal"));
  std::string stored[4];
  RETURN_IF_ERROR(ReadTables(txn, stored));
  absl::StatusOr<std::shared_ptr<const Dataset>> now =
      LoadDatasetFromTexts("the database", stored);
  return now.ok() && (*now)->version() == version;
}

// Replaces the stored dataset with `texts` unless it already holds the same
// content (version `version`): by the difference of the observations when
// the catalog is the same as `imported`'s, else whole.
absl::StatusOr<ImportResult> ReplaceIfChanged(pqxx::connection& connection,
                                              const std::string (&texts)[4],
                                              const Dataset& imported) {
  const std::string& version = imported.version();
  pqxx::transaction<pqxx::repeatable_read> txn(connection);
  RETURN_IF_ERROR(CheckSchema(txn));
  // Locking the counter first makes this the only writer until commit; in
  // repeatable read, a writer that committed since the snapshot makes the
  // lock fail with a serialization error, and the import starts again.
  ImportResult result;
  result.revision = RevisionIn(txn, /*for_update=*/true);
  std::string stored[4];
  RETURN_IF_ERROR(ReadTables(txn, stored));
  absl::StatusOr<std::shared_ptr<const Dataset>> current =
      LoadDatasetFromTexts("the database", stored);
  result.version = version;
  if (current.ok() && (*current)->version() == version) return result;
  result.changed = true;
  if (current.ok() && CatalogVersion(**current) == CatalogVersion(imported)) {
    pqxx::subtransaction difference(txn, "import_difference");
    ASSIGN_OR_RETURN(
        bool same, ImportDifference(difference, texts[kObservations], version));
    if (same) {
      difference.commit();
      result.revision = RevisionIn(txn, /*for_update=*/false);
      txn.commit();
      return result;
    }
    difference.abort();
  }
  // A bulk replace is a whole revision: replicas load it whole, and its rows
  // are not recorded one by one (migration 0003).
  txn.exec("SELECT dataset_revision_of_transaction(true)");
  for (const char* table :
       {"observations", "sources", "regions", "indicators"}) {
    txn.exec0(absl::StrCat("DELETE FROM ", table));
  }
  RETURN_IF_ERROR(WriteTable<7>(txn, 0, texts[0]));
  RETURN_IF_ERROR(WriteTable<5>(txn, 1, texts[1]));
  RETURN_IF_ERROR(WriteTable<8>(txn, 2, texts[2]));
  RETURN_IF_ERROR(WriteTable<9>(txn, kObservations, texts[kObservations]));
  result.revision = RevisionIn(txn, /*for_update=*/false);
  txn.commit();
  result.changed = true;
  return result;
}

// Loads stored texts as the server would, naming the database in errors.
absl::StatusOr<std::shared_ptr<const Dataset>> LoadStored(
    const std::string& conninfo, const StoredTexts& stored) {
  return LoadDatasetFromTexts(DescribeDatabase(conninfo), stored.texts,
                              stored.revision, stored.ordinals);
}

}  // namespace

absl::StatusOr<StoredTexts> ReadStoredTexts(const std::string& conninfo) {
  return Guarded("read the dataset", [&]() -> absl::StatusOr<StoredTexts> {
    pqxx::connection connection(WithTimeLimits(conninfo));
    ReadOnlySnapshot txn(connection);
    RETURN_IF_ERROR(CheckSchema(txn));
    StoredTexts stored;
    stored.revision = RevisionIn(txn, /*for_update=*/false);
    // The observations are read in two halves at once, the later half on a
    // second connection in this transaction's exported snapshot (as
    // pg_dump's parallel mode does): PostgreSQL's COPY output is the slowest
    // step, and each half runs on its own server process.
    const std::string snapshot =
        txn.exec("SELECT pg_export_snapshot()")[0][0].as<std::string>();
    const int64_t middle =
        txn.exec(
               "SELECT coalesce((min(ordinal) + max(ordinal)) / 2, 0) "
               "FROM observations")[0][0]
            .as<int64_t>();
    std::string later;
    std::vector<int64_t> later_ordinals;
    absl::Status later_status;
    std::thread helper([&] {
      later_status = ReadLaterObservations(conninfo, snapshot, middle, &later,
                                           &later_ordinals);
    });
    // Guarded here too: the helper must be joined even if this read throws.
    const absl::Status status = Guarded("read the dataset", [&] {
      return ReadTables(txn, stored.texts,
                        absl::StrCat(" WHERE ordinal <= ", middle),
                        &stored.ordinals);
    });
    helper.join();  // The snapshot lives until this transaction ends.
    RETURN_IF_ERROR(status);
    RETURN_IF_ERROR(later_status);
    txn.commit();
    stored.texts[kObservations] += later;
    stored.ordinals.insert(stored.ordinals.end(), later_ordinals.begin(),
                           later_ordinals.end());
    return stored;
  });
}

absl::StatusOr<int64_t> ReadRevision(pqxx::connection& connection) {
  return Guarded("read the revision", [&] {
    pqxx::nontransaction txn(connection);
    return RevisionIn(txn, /*for_update=*/false);
  });
}

absl::StatusOr<std::shared_ptr<const Dataset>> LoadFromDatabase(
    const std::string& conninfo) {
  ASSIGN_OR_RETURN(StoredTexts stored, ReadStoredTexts(conninfo));
  return LoadStored(conninfo, stored);
}

absl::StatusOr<ImportResult> ImportDirectory(const std::string& conninfo,
                                             const std::string& dir) {
  std::string texts[4];
  for (int t = 0; t < 4; ++t) {
    ASSIGN_OR_RETURN(texts[t],
                     ReadFile(absl::StrCat(dir, "/", kDatasetFiles[t])));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Dataset> dataset,
                   LoadDatasetFromTexts(dir, texts));
  return Guarded("import", [&]() -> absl::StatusOr<ImportResult> {
    pqxx::connection connection(WithTimeLimits(conninfo));
    constexpr int kAttempts = 5;
    for (int attempt = 1;; ++attempt) {
      absl::StatusOr<ImportResult> result = Guarded("import", [&] {
        return ReplaceIfChanged(connection, texts, *dataset);
      });
      if (result.ok() && result->changed) {
        // Sets the new rows' hint bits and visibility map and refreshes the
        // planner's statistics now, so that the replicas' first reads of
        // them do not pay for it (VACUUM cannot run in a transaction).
        pqxx::nontransaction(connection)
            .exec0(
                "VACUUM (ANALYZE) indicators, regions, sources, "
                "observations");
      }
      if (result.status().code() != absl::StatusCode::kAborted ||
          attempt == kAttempts) {
        return result;
      }
    }
  });
}

absl::StatusOr<ImportResult> ExportDirectory(const std::string& conninfo,
                                             const std::string& dir) {
  ASSIGN_OR_RETURN(StoredTexts stored, ReadStoredTexts(conninfo));
  ASSIGN_OR_RETURN(std::shared_ptr<const Dataset> dataset,
                   LoadStored(conninfo, stored));
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", dir, ": ", error.message()));
  }
  for (int t = 0; t < 4; ++t) {
    RETURN_IF_ERROR(WriteFileAtomically(
        absl::StrCat(dir, "/", kDatasetFiles[t]), stored.texts[t]));
  }
  return ImportResult{false, stored.revision, dataset->version()};
}

}  // namespace indicators::store
