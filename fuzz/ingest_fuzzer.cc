// Fuzzes ingest batches from raw request bytes: parse them as an
// IngestObservationsRequest, convert it as the handler does, and give it to
// an in-memory writer that does what the database's writer does (the same
// check, `CheckIngestBatch`, against the stored catalog; then adds, revises
// and withdraws by the duplicate rule, and adds new sources) over the test
// dataset. Any bytes must give a result or a request error (never INTERNAL or
// UNKNOWN, never a crash), the counts must add up to the batch, and what the
// check accepts must make a stored dataset that a whole load accepts, with
// every row kept: otherwise a replica could not load what was acknowledged.

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "indicators/v1/indicator_service.pb.h"
#include "server/core/change/ingest_batch.h"
#include "server/core/load/csv_records.h"
#include "server/core/load/dataset_loader.h"
#include "server/wire/convert.h"

namespace {

using indicators::IngestBatch;
using indicators::IngestResult;
using indicators::ObservationRecord;

std::string ReadFile(const std::string& name) {
  std::ifstream in(std::string(INDICATORS_DATA_DIR) + "/" + name,
                   std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The duplicate rule: the figure and its set of sources.
using Key =
    std::tuple<std::string, std::string, std::string, std::set<std::string>>;

Key KeyOf(const std::string& indicator, const std::string& region,
          const std::string& period, const std::vector<std::string>& sources) {
  return {indicator, region, period,
          std::set<std::string>(sources.begin(), sources.end())};
}

// The stored dataset: the catalog's files, and the observations by key in
// the order they were stored.
struct Stored {
  std::string catalog[3];
  std::vector<ObservationRecord> rows;
  std::map<Key, size_t> by_key;
};

const Stored& TestDataset() {
  static const Stored* stored = [] {
    auto* s = new Stored;
    s->catalog[0] = ReadFile("indicators.csv");
    s->catalog[1] = ReadFile("regions.csv");
    s->catalog[2] = ReadFile("sources.csv");
    const std::string text = ReadFile("observations.csv");
    indicators::TextCsvRecords records("observations.csv", text);
    std::vector<absl::string_view> f;
    bool header = true;
    while (true) {
      absl::StatusOr<bool> next = records.Next(&f);
      if (!next.ok()) __builtin_trap();
      if (!*next) break;
      if (header) {
        header = false;
        continue;
      }
      if (f.size() != 8) __builtin_trap();
      ObservationRecord r{std::string(f[0]),         std::string(f[1]),
                          std::string(f[2]),         std::string(f[3]),
                          std::string(f[4]),         std::string(f[5]),
                          absl::StrSplit(f[6], ';'), std::string(f[7])};
      s->by_key[KeyOf(r.indicator_id, r.region_code, r.period, r.source_ids)] =
          s->rows.size();
      s->rows.push_back(std::move(r));
    }
    return s;
  }();
  return *stored;
}

// What the database's writer does with `batch`, on a copy of `stored`;
// sets `texts` to the dataset files it leaves.
absl::StatusOr<IngestResult> Ingest(const Stored& stored,
                                    const IngestBatch& batch,
                                    std::string (&texts)[4],
                                    size_t* rows_left) {
  absl::Status checked = indicators::CheckIngestBatch(stored.catalog, batch);
  if (!checked.ok()) return checked;
  IngestResult result;
  std::vector<ObservationRecord> rows = stored.rows;
  std::vector<bool> gone(rows.size(), false);
  std::map<Key, size_t> by_key = stored.by_key;
  // As the database's writer: withdrawals first, then the observations.
  for (const indicators::ObservationKey& w : batch.withdrawals) {
    auto found = by_key.find(
        KeyOf(w.indicator_id, w.region_code, w.period, w.source_ids));
    if (found == by_key.end()) {
      return absl::InvalidArgumentError("no stored observation to withdraw");
    }
    gone[found->second] = true;
    by_key.erase(found);
    ++result.withdrawn;
  }
  for (const ObservationRecord& o : batch.observations) {
    const Key key =
        KeyOf(o.indicator_id, o.region_code, o.period, o.source_ids);
    auto found = by_key.find(key);
    if (found == by_key.end()) {
      by_key[key] = rows.size();
      rows.push_back(o);
      gone.push_back(false);
      ++result.added;
    } else if (indicators::CsvLine(rows[found->second]) ==
               indicators::CsvLine(o)) {
      ++result.unchanged;
    } else {
      rows[found->second] = o;
      ++result.revised;
    }
  }
  for (int i = 0; i < 3; ++i) texts[i] = stored.catalog[i];
  const std::set<std::string> stored_sources =
      absl::StrSplit(stored.catalog[2], '\n');
  for (const indicators::SourceRecord& source : batch.sources) {
    const std::string line = indicators::CsvLine(source);
    if (stored_sources.count(line) != 0) continue;
    texts[2] += line + "\n";
    ++result.sources_added;
  }
  texts[3] = std::string(indicators::kDatasetHeaders[3]) + "\n";
  *rows_left = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (gone[i]) continue;
    texts[3] += indicators::CsvLine(rows[i]) + "\n";
    ++*rows_left;
  }
  result.revision = 1;
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  indicators::v1::IngestObservationsRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  const IngestBatch batch = indicators::rpc::FromProto(request);
  (void)indicators::IngestBatchDigest(batch);
  std::string texts[4];
  size_t rows_left = 0;
  absl::StatusOr<IngestResult> result =
      Ingest(TestDataset(), batch, texts, &rows_left);
  if (!result.ok()) {
    if (result.status().code() != absl::StatusCode::kInvalidArgument) {
      __builtin_trap();
    }
    return 0;
  }
  if (result->added + result->revised + result->unchanged !=
          static_cast<int>(batch.observations.size()) ||
      result->withdrawn != static_cast<int>(batch.withdrawals.size())) {
    __builtin_trap();
  }
  // What was accepted loads, every row of it.
  auto loaded = indicators::LoadDatasetFromTexts("ingested", texts);
  if (!loaded.ok()) __builtin_trap();
  if ((*loaded)->published_observation_count() != rows_left) __builtin_trap();
  return 0;
}
