#include "server/store/postgres_changes.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/core/base/status_macros.h"
#include "server/store/copy_format.h"
#include "server/store/schema.h"

namespace indicators::store {
namespace {

absl::StatusOr<ChangeKind> KindOf(absl::string_view text) {
  if (text == "added") return ChangeKind::kAdded;
  if (text == "revised") return ChangeKind::kRevised;
  if (text == "withdrawn") return ChangeKind::kWithdrawn;
  return absl::DataLossError(
      absl::StrCat("observation_changes holds an unknown kind \"", text, "\""));
}

// Appends the records after `after` to `out->revisions`, which already holds
// every revision after `after` (in order).
absl::Status ReadRecords(pqxx::transaction_base& txn, int64_t after,
                         RecordedChanges* out) {
  pqxx::stream_from stream(
      txn, absl::StrCat("(SELECT revision, kind, ordinal, indicator_id, "
                        "region_code, period, value::text, qualifier, status, "
                        "array_to_string(source_ids, ';'), note "
                        "FROM observation_changes WHERE revision > ",
                        after, " ORDER BY revision, seq)"));
  std::string line;
  std::vector<std::string> f;
  size_t next = 0;  // The revision the last record belonged to, or after.
  while (stream.get_raw_line(line)) {
    if (!line.empty() && line.back() == '\n') line.pop_back();
    RETURN_IF_ERROR(DecodeCopyLine(line, &f));
    int64_t revision = 0, ordinal = 0;
    if (f.size() != 11 || !absl::SimpleAtoi(f[0], &revision) ||
        !absl::SimpleAtoi(f[2], &ordinal)) {
      return absl::DataLossError(
          absl::StrCat("observation_changes holds a malformed row: ", line));
    }
    while (next < out->revisions.size() &&
           out->revisions[next].revision != revision) {
      ++next;
    }
    if (next == out->revisions.size()) {
      return absl::DataLossError(
          absl::StrCat("observation_changes holds revision ", revision,
                       " which dataset_revisions lacks"));
    }
    RecordedChange change;
    ASSIGN_OR_RETURN(change.kind, KindOf(f[1]));
    change.position = ordinal;
    change.record = {std::move(f[3]),
                     std::move(f[4]),
                     std::move(f[5]),
                     std::move(f[6]),
                     std::move(f[7]),
                     std::move(f[8]),
                     absl::StrSplit(f[9], ';', absl::SkipEmpty()),
                     std::move(f[10])};
    out->revisions[next].changes.push_back(std::move(change));
  }
  stream.complete();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RecordedChanges> ReadRecordedChanges(pqxx::transaction_base& txn,
                                                    int64_t after,
                                                    size_t max_changes) {
  RETURN_IF_ERROR(CheckSchema(txn));
  RecordedChanges out;
  const pqxx::row state =
      txn.exec1("SELECT revision, changes_since FROM dataset_state");
  out.head = state[0].as<int64_t>();
  out.recorded_since = state[1].as<int64_t>();
  if (after >= out.head) return out;
  if (after < out.recorded_since) {
    out.load_whole = absl::StrCat("the changes after revision ", after,
                                  " are not all recorded (only those after ",
                                  out.recorded_since, ")");
    return out;
  }
  const int64_t count = txn.exec1(absl::StrCat(
      "SELECT count(*) FROM observation_changes WHERE revision > ", after))[0]
                            .as<int64_t>();
  if (static_cast<uint64_t>(count) > max_changes) {
    out.load_whole = absl::StrCat(count, " changes after revision ", after,
                                  " are more than ", max_changes);
    return out;
  }
  for (const pqxx::row& row : txn.exec(absl::StrCat(
           "SELECT revision, whole FROM dataset_revisions WHERE revision > ",
           after, " ORDER BY revision"))) {
    if (row[1].as<bool>()) {
      out.load_whole = absl::StrCat("revision ", row[0].as<int64_t>(),
                                    " changed the catalog");
      out.revisions.clear();
      return out;
    }
    out.revisions.push_back({row[0].as<int64_t>(), {}});
  }
  // Distinct revisions in (after, head]: all there if as many.
  if (static_cast<int64_t>(out.revisions.size()) != out.head - after) {
    out.load_whole =
        absl::StrCat("dataset_revisions lacks revisions after ", after);
    out.revisions.clear();
    return out;
  }
  RETURN_IF_ERROR(ReadRecords(txn, after, &out));
  return out;
}

absl::StatusOr<RecordedChanges> PostgresChanges::ChangesAfter(
    int64_t after, size_t max_changes) const {
  absl::StatusOr<RecordedChanges> out;
  const absl::Status status = pool_->Run(
      "read the changes", [&](pqxx::connection& connection) -> absl::Status {
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn(
            connection);
        out = ReadRecordedChanges(txn, after, max_changes);
        if (out.ok()) txn.commit();
        return out.status();
      });
  if (!status.ok()) return status;
  return out;
}

}  // namespace indicators::store
