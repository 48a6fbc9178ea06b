// The change concepts of the core on their own: the dataset diff, the watch
// filter and the ingest batch check.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "server/core/base/errors.h"
#include "server/core/change/dataset_diff.h"
#include "server/core/change/ingest_batch.h"
#include "server/core/change/watch_filter.h"
#include "server/core/load/dataset_loader.h"
#include "tests/testing/temp_dataset.h"

namespace indicators {
namespace {

using testing::TempDataset;
using testing::TestDataDir;

// Rows of tests/testdata/basic/observations.csv.
constexpr char kRow2019Over[] =
    "rd_expenditure,CN-GD,2019,300,over,final,S8,超过3000亿元\n";
constexpr char kRow2020[] =
    "rd_expenditure,CN-GD,2020,347.99,exact,final,S17;S18,"
    "NBS 2020 communique: 广东(3479.9亿元)\n";

std::shared_ptr<const Dataset> Load(const std::string& dir) {
  auto dataset = LoadDataset(dir);
  EXPECT_TRUE(dataset.ok()) << dataset.status();
  return dataset.ok() ? *dataset : nullptr;
}

// The basic dataset with `from` replaced by `to` in observations.csv.
std::shared_ptr<const Dataset> Edited(const std::string& from,
                                      const std::string& to) {
  TempDataset edited;
  const std::string text = edited.Read("observations.csv");
  EXPECT_NE(text.find(from), std::string::npos) << from;
  edited.Write("observations.csv", absl::StrReplaceAll(text, {{from, to}}));
  return Load(edited.dir());
}

std::string IdOf(const Dataset& d, const RowChange& c) {
  const Observation& o = d.observations()[c.row];
  return absl::StrCat(d.indicators()[o.indicator].id, "/",
                      d.regions()[o.region].code, "/", o.period.ToString());
}

TEST(DatasetDiffTest, TheSameContentHasNoChange) {
  auto a = Load(TestDataDir());
  auto b = Load(TestDataDir());
  EXPECT_TRUE(DiffDatasets(*a, *b).empty());
}

TEST(DatasetDiffTest, AddedRevisedAndWithdrawnAreToldApart) {
  auto before = Load(TestDataDir());
  // 2020 revised; the 2019 "over" figure withdrawn; a 2031 figure added.
  TempDataset edited;
  std::string text = edited.Read("observations.csv");
  text = absl::StrReplaceAll(
      text, {{kRow2020,
              "rd_expenditure,CN-GD,2020,348.5,exact,final,S17;S18,"
              "revised\n"},
             {kRow2019Over, ""}});
  text += "rd_expenditure,CN-GD,2031,600,about,estimate,S8,new\n";
  edited.Write("observations.csv", text);
  auto after = Load(edited.dir());
  ASSERT_NE(after, nullptr);

  const std::vector<RowChange> changes = DiffDatasets(*before, *after);
  ASSERT_EQ(changes.size(), 3u);
  // In query order of figures: 2019, 2020, 2031.
  EXPECT_EQ(changes[0].kind, ChangeKind::kWithdrawn);
  EXPECT_EQ(IdOf(*before, changes[0]), "rd_expenditure/CN-GD/2019");
  EXPECT_EQ(before->observations()[changes[0].row].value, 300);
  EXPECT_EQ(changes[1].kind, ChangeKind::kRevised);
  EXPECT_EQ(IdOf(*after, changes[1]), "rd_expenditure/CN-GD/2020");
  EXPECT_EQ(after->observations()[changes[1].row].value, 348.5);
  EXPECT_EQ(changes[2].kind, ChangeKind::kAdded);
  EXPECT_EQ(IdOf(*after, changes[2]), "rd_expenditure/CN-GD/2031");
}

TEST(DatasetDiffTest, ANoteAloneIsARevision) {
  auto before = Load(TestDataDir());
  auto after = Edited(kRow2020,
                      "rd_expenditure,CN-GD,2020,347.99,exact,final,S17;S18,"
                      "another note\n");
  const std::vector<RowChange> changes = DiffDatasets(*before, *after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kRevised);
  EXPECT_EQ(IdOf(*after, changes[0]), "rd_expenditure/CN-GD/2020");
}

TEST(DatasetDiffTest, OtherSourcesAreAnotherObservation) {
  auto before = Load(TestDataDir());
  auto after = Edited(kRow2020,
                      "rd_expenditure,CN-GD,2020,347.99,exact,final,S17,"
                      "NBS 2020 communique: 广东(3479.9亿元)\n");
  const std::vector<RowChange> changes = DiffDatasets(*before, *after);
  ASSERT_EQ(changes.size(), 2u);
  std::vector<ChangeKind> kinds = {changes[0].kind, changes[1].kind};
  std::sort(kinds.begin(), kinds.end());
  EXPECT_EQ(kinds, (std::vector<ChangeKind>{ChangeKind::kAdded,
                                            ChangeKind::kWithdrawn}));
}

class WatchFilterTest : public ::testing::Test {
 protected:
  void SetUp() override { dataset_ = Load(TestDataDir()); }

  // The changed row of the first observation of the figure.
  ChangedRow RowOf(const std::string& indicator, const std::string& region,
                   const std::string& period) {
    for (uint32_t r = 0; r < dataset_->observations().size(); ++r) {
      const Observation& o = dataset_->observations()[r];
      if (dataset_->indicators()[o.indicator].id == indicator &&
          dataset_->regions()[o.region].code == region &&
          o.period.ToString() == period) {
        return ChangedRowOf(*dataset_, r);
      }
    }
    ADD_FAILURE() << indicator << "/" << region << "/" << period;
    return {};
  }

  std::shared_ptr<const Dataset> dataset_;
};

TEST_F(WatchFilterTest, AnEmptyFilterMatchesEveryPublishedRow) {
  auto filter = WatchFilter::Create(*dataset_, {});
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_TRUE(filter->Matches(RowOf("rd_expenditure", "CN-GD", "2020")));
  ChangedRow derived = RowOf("rd_expenditure", "CN-GD", "2020");
  derived.derived = true;
  EXPECT_FALSE(filter->Matches(derived));
}

TEST_F(WatchFilterTest, RegionsWithSubregionsAndPeriodsResolveToIds) {
  ObservationFilter f;
  f.indicator_ids = {"rd_expenditure"};
  f.region_codes = {"CN"};
  f.include_subregions = true;
  f.start_period = "2020";
  f.end_period = "2020";
  auto filter = WatchFilter::Create(*dataset_, f);
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_TRUE(filter->Matches(RowOf("rd_expenditure", "CN-GD", "2020")));
  EXPECT_FALSE(filter->Matches(RowOf("rd_expenditure", "CN-GD", "2019")));
  EXPECT_FALSE(
      filter->Matches(RowOf("high_tech_enterprises", "CN-GD", "2023")));
  // A region that a later version adds is not one of the resolved ids.
  ChangedRow elsewhere = RowOf("rd_expenditure", "CN-GD", "2020");
  elsewhere.region_code = "XX-NEW";
  EXPECT_FALSE(filter->Matches(elsewhere));
}

TEST_F(WatchFilterTest, SourcesStatusAndReliabilityAreChecked) {
  ObservationFilter f;
  f.source_ids = {"S8"};
  f.statuses = {ObservationStatus::kFinal};
  f.min_reliability = Reliability::kNews;
  auto filter = WatchFilter::Create(*dataset_, f);
  ASSERT_TRUE(filter.ok()) << filter.status();
  ChangedRow row = RowOf("rd_expenditure", "CN-GD", "2019");
  row.source_ids = {"S8"};
  row.status = ObservationStatus::kFinal;
  row.reliability = Reliability::kNews;
  EXPECT_TRUE(filter->Matches(row));
  ChangedRow other_source = row;
  other_source.source_ids = {"S20"};
  EXPECT_FALSE(filter->Matches(other_source));
  ChangedRow preliminary = row;
  preliminary.status = ObservationStatus::kPreliminary;
  EXPECT_FALSE(filter->Matches(preliminary));
  ChangedRow unverified = row;
  unverified.reliability = Reliability::kUnverified;
  EXPECT_FALSE(filter->Matches(unverified));
}

TEST_F(WatchFilterTest, WhatPicksAmongVersionsOrIsUnknownIsRefused) {
  ObservationFilter latest;
  latest.latest_only = true;
  EXPECT_EQ(WatchFilter::Create(*dataset_, latest).status().code(),
            absl::StatusCode::kInvalidArgument);
  ObservationFilter preferred;
  preferred.source_mode = SourceMode::kPreferred;
  EXPECT_EQ(WatchFilter::Create(*dataset_, preferred).status().code(),
            absl::StatusCode::kInvalidArgument);
  ObservationFilter known_on;
  known_on.known_on = "2024-01-01";
  EXPECT_EQ(WatchFilter::Create(*dataset_, known_on).status().code(),
            absl::StatusCode::kInvalidArgument);
  ObservationFilter unknown;
  unknown.indicator_ids = {"no_such_indicator"};
  EXPECT_EQ(WatchFilter::Create(*dataset_, unknown).status().code(),
            absl::StatusCode::kNotFound);
}

class IngestBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TempDataset data;
    for (int t = 0; t < 3; ++t) catalog_[t] = data.Read(kDatasetFiles[t]);
  }

  static ObservationRecord Figure(const std::string& period) {
    return {"rd_expenditure", "CN-GD", period, "1.5",
            "exact",          "final", {"S8"}, ""};
  }

  // The fields the batch's violations name.
  static std::vector<std::string> Fields(const absl::Status& status) {
    std::vector<std::string> out;
    for (const FieldViolation& v : GetFieldViolations(status)) {
      out.push_back(v.field);
    }
    return out;
  }

  std::string catalog_[3];
};

TEST_F(IngestBatchTest, AValidBatchWithANewSourcePasses) {
  IngestBatch batch;
  batch.sources = {
      {"ZNEW", "A publisher", "A title", "2031-01-02", "", "news", ""}};
  batch.observations = {Figure("2031")};
  batch.observations[0].source_ids = {"ZNEW"};
  EXPECT_TRUE(CheckIngestBatch(catalog_, batch).ok());
}

TEST_F(IngestBatchTest, EveryProblemIsNamedByItsBatchField) {
  IngestBatch batch;
  batch.observations = {Figure("2031"), Figure("2023-13"), Figure("2032")};
  batch.observations[2].indicator_id = "nope";
  batch.sources = {{"S1", "Another publisher", "", "", "", "news", ""}};
  const absl::Status status = CheckIngestBatch(catalog_, batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorDetail(status)->reason, reason::kInvalidBatch);
  const std::vector<std::string> fields = Fields(status);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"sources[0].id", "observations[1].period",
                                      "observations[2].indicator_id"}))
      << status;
}

TEST_F(IngestBatchTest, ASourceIdHoldingASemicolonIsRefused) {
  IngestBatch batch;
  batch.observations = {Figure("2031")};
  batch.observations[0].source_ids = {"S8;S20"};
  const absl::Status status = CheckIngestBatch(catalog_, batch);
  EXPECT_EQ(Fields(status),
            (std::vector<std::string>{"observations[0].source_ids[0]"}))
      << status;
}

TEST_F(IngestBatchTest, AtMostTheMaximumNumberOfItems) {
  IngestBatch full;
  for (size_t i = 0; i < kMaxBatchItems; ++i) {
    full.observations.push_back(Figure(absl::StrCat(1000 + i % 9000)));
    full.observations.back().region_code = i < 9000 ? "CN-GD" : "CN-BJ";
  }
  const absl::Status accepted = CheckIngestBatch(catalog_, full);
  EXPECT_TRUE(accepted.ok()) << accepted.message().substr(0, 300);
  IngestBatch over = full;
  over.withdrawals.push_back({"rd_expenditure", "CN-GD", "2020", {"S17"}});
  const absl::Status status = CheckIngestBatch(catalog_, over);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(status), (std::vector<std::string>{"observations"}));
  EXPECT_NE(status.message().find(absl::StrCat("at most ", kMaxBatchItems)),
            absl::string_view::npos)
      << status;
}

TEST_F(IngestBatchTest, AnEmptyBatchAndALongKeyAreRefused) {
  IngestBatch empty;
  EXPECT_EQ(Fields(CheckIngestBatch(catalog_, empty)),
            (std::vector<std::string>{"observations"}));
  IngestBatch long_key;
  long_key.observations = {Figure("2031")};
  long_key.idempotency_key.assign(kMaxIdempotencyKeyBytes + 1, 'k');
  EXPECT_EQ(Fields(CheckIngestBatch(catalog_, long_key)),
            (std::vector<std::string>{"idempotency_key"}));
}

TEST_F(IngestBatchTest, TheDigestCoversContentNotTheKey) {
  IngestBatch a;
  a.observations = {Figure("2031")};
  a.idempotency_key = "one";
  IngestBatch b = a;
  b.idempotency_key = "two";
  EXPECT_EQ(IngestBatchDigest(a), IngestBatchDigest(b));
  IngestBatch other_sources = a;
  other_sources.observations[0].source_ids = {"S20"};
  EXPECT_NE(IngestBatchDigest(a), IngestBatchDigest(other_sources));
}

}  // namespace
}  // namespace indicators
