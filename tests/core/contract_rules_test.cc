// The contract's rules, each made observable by the purpose-built dataset in
// tests/testdata/rules (see its README.md and each row's note).

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/base/errors.h"
#include "server/core/load/dataset_loader.h"
#include "server/core/service_core.h"
#include "tests/testing/pages.h"
#include "tests/testing/temp_dataset.h"

namespace indicators {
namespace {

class ContractRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = LoadDataset(testing::TestDataDir("rules"));
    ASSERT_TRUE(d.ok()) << d.status();
    dataset_ = *d;
    core_ = std::make_unique<ServiceCore>(dataset_, PageTokenCodec("key"));
  }

  // Returns the values of every match, following tokens with `page_size`.
  std::vector<double> Values(const ObservationFilter& f, int32_t page_size) {
    std::vector<double> values;
    for (uint32_t r : testing::AllItems(page_size, [&](const PageRequest& p) {
           return core_->QueryObservations(f, p);
         })) {
      values.push_back(dataset_->observations()[r].value);
    }
    return values;
  }
  std::vector<double> Values(const ObservationFilter& f) {
    return Values(f, kMaxPageSize);
  }

  static ObservationFilter Count(std::vector<std::string> regions) {
    ObservationFilter f;
    f.indicator_ids = {"count"};
    f.region_codes = std::move(regions);
    return f;
  }

  std::shared_ptr<const Dataset> dataset_;
  std::unique_ptr<ServiceCore> core_;
};

// Each year of A holds two figures that differ in exactly one criterion of
// the rule, with every lower criterion pointing the other way.
TEST_F(ContractRulesTest, PreferredRuleRanksStatusGradeExactnessDateFileOrder) {
  ObservationFilter f = Count({"A"});
  f.source_mode = SourceMode::kPreferred;
  EXPECT_EQ(Values(f), (std::vector<double>{
                           1,   // 2020: final news over preliminary official
                           10,  // 2021: official over newer news
                           21,  // 2022: exact over newer "about"
                           31,  // 2023: newer publication over older
                           41,  // 2024: a dated source over an undated one
                           50,  // 2025: first in the file among equals
                           60,  // 2026: a row's grade is its best source's
                       }));
}

TEST_F(ContractRulesTest, AllModeListsThePreferredFigureFirstInEachPeriod) {
  EXPECT_EQ(Values(Count({"A"})),
            (std::vector<double>{1, 2, 10, 11, 21, 20, 31, 30, 41, 40, 50, 51,
                                 60, 61}));
}

TEST_F(ContractRulesTest, PreferredPicksAmongTheRowsThatPassTheOtherFilters) {
  ObservationFilter f = Count({"A"});
  f.source_mode = SourceMode::kPreferred;
  f.statuses = {ObservationStatus::kPreliminary};
  EXPECT_EQ(Values(f), std::vector<double>{2});
  f.statuses = {};
  f.source_ids = {"OFF_NEW"};
  EXPECT_EQ(Values(f), (std::vector<double>{2, 20, 31}));
}

TEST_F(ContractRulesTest, SubregionsIncludeEveryLevelBelowAndTheRegionItself) {
  ObservationFilter f = Count({"A"});
  f.start_period = "2023";
  f.end_period = "2023";
  f.include_subregions = true;
  EXPECT_EQ(Values(f), (std::vector<double>{31, 30, 7, 3}));  // A, A-1, A-1-X
  f.region_codes = {"A-1"};
  EXPECT_EQ(Values(f), (std::vector<double>{7, 3}));
  f.include_subregions = false;
  EXPECT_EQ(Values(f), std::vector<double>{7});
}

TEST_F(ContractRulesTest, AYearRangeIncludesItsMonthsAndBothEnds) {
  ObservationFilter f = Count({"B"});
  f.start_period = "2023";
  f.end_period = "2023";
  // Months of 2023 and the year itself; not 2022-12 or 2024-01.
  EXPECT_EQ(Values(f), (std::vector<double>{102, 103, 104, 105}));
  f.start_period = "2023-06";
  f.end_period = "2023-12";
  EXPECT_EQ(Values(f), (std::vector<double>{103, 104, 105}));
  f.start_period = "2022-12";
  f.end_period = "2024-01";
  // The year 2022 ends in 2022-12, the range's first month.
  EXPECT_EQ(Values(f),
            (std::vector<double>{101, 100, 102, 103, 104, 105, 106}));
  f.start_period = "";
  f.end_period = "2022-12";
  EXPECT_EQ(Values(f), (std::vector<double>{101, 100}));
  f.start_period = "2024";
  f.end_period = "";
  EXPECT_EQ(Values(f), std::vector<double>{106});
}

TEST_F(ContractRulesTest, LatestOnlyIsTheLastPeriodThatPassesTheOtherFilters) {
  ObservationFilter f = Count({"A", "B"});
  f.latest_only = true;
  EXPECT_EQ(Values(f), (std::vector<double>{60, 61, 106}));
  f.source_mode = SourceMode::kPreferred;
  EXPECT_EQ(Values(f), (std::vector<double>{60, 106}));
  f.end_period = "2023";
  EXPECT_EQ(Values(f), (std::vector<double>{31, 105}));
  f.source_ids = {"UNDATED"};
  f.end_period = "";
  EXPECT_EQ(Values(f), std::vector<double>{40});
}

TEST_F(ContractRulesTest, PagingLatestPreferredMatchesOneUnpaginatedResult) {
  ObservationFilter f;
  f.latest_only = true;
  f.source_mode = SourceMode::kPreferred;
  const std::vector<double> all = Values(f);
  EXPECT_EQ(all, (std::vector<double>{60, 7, 3, 106, 1000, 1.7, 2.5}));
  for (int32_t size : {1, 2, 3, 6, 7}) {
    EXPECT_EQ(Values(f, size), all) << "page size " << size;
  }
}

TEST_F(ContractRulesTest, TheLastPageCarriesNoToken) {
  ObservationFilter f = Count({"B"});  // 7 rows.
  for (int32_t size : {1, 3, 7, 8}) {
    PageRequest page{size, ""};
    size_t rows = 0;
    int pages = 0;
    while (true) {
      auto result = core_->QueryObservations(f, page);
      ASSERT_TRUE(result.ok()) << result.status();
      ++pages;
      rows += result->items.size();
      if (result->next_page_token.empty()) break;
      EXPECT_EQ(result->items.size(), static_cast<size_t>(size));
      page.page_token = result->next_page_token;
    }
    EXPECT_EQ(rows, 7u) << size;
    EXPECT_EQ(pages, (7 + size - 1) / size) << size;  // No empty last page.
  }
}

TEST_F(ContractRulesTest, APageTokenIsBoundToEveryFilterField) {
  ObservationFilter base;
  base.indicator_ids = {"count", "ratio"};
  base.region_codes = {"A", "B"};
  base.start_period = "2020";
  base.end_period = "2026";
  base.source_ids = {"OFF_OLD", "OFF_NEW", "NEWS_NEW", "UNDATED"};
  base.statuses = {ObservationStatus::kFinal, ObservationStatus::kPreliminary};
  auto first = core_->QueryObservations(base, {2, ""});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token.empty());
  const std::string token = first->next_page_token;
  // The same filter spelled differently (order, repeats) accepts it.
  ObservationFilter same = base;
  same.region_codes = {"B", "A", "A"};
  EXPECT_TRUE(core_->QueryObservations(same, {5, token}).ok());

  std::vector<std::pair<std::string, ObservationFilter>> changed;
  auto add = [&](const char* field, auto mutate) {
    ObservationFilter f = base;
    mutate(f);
    changed.emplace_back(field, f);
  };
  add("indicator_ids", [](auto& f) { f.indicator_ids = {"count"}; });
  add("region_codes", [](auto& f) { f.region_codes = {"A"}; });
  add("include_subregions", [](auto& f) { f.include_subregions = true; });
  add("start_period", [](auto& f) { f.start_period = "2021"; });
  add("end_period", [](auto& f) { f.end_period = "2025"; });
  add("source_ids", [](auto& f) { f.source_ids = {"OFF_OLD"}; });
  add("min_reliability",
      [](auto& f) { f.min_reliability = Reliability::kNews; });
  add("statuses", [](auto& f) { f.statuses = {ObservationStatus::kFinal}; });
  add("latest_only", [](auto& f) { f.latest_only = true; });
  add("source_mode", [](auto& f) { f.source_mode = SourceMode::kPreferred; });
  for (const auto& [field, f] : changed) {
    absl::Status status = core_->QueryObservations(f, {2, token}).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    std::optional<ErrorDetail> detail = GetErrorDetail(status);
    ASSERT_TRUE(detail.has_value()) << field;
    EXPECT_EQ(detail->reason, reason::kPageTokenMismatch) << field;
    EXPECT_EQ(detail->field, "page_token") << field;
  }
}

TEST_F(ContractRulesTest, AListTokenIsBoundToParentAndType) {
  auto first = core_->ListRegions("", RegionType::kCountry, {1, ""});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token.empty());
  const std::string token = first->next_page_token;
  EXPECT_TRUE(core_->ListRegions("", RegionType::kCountry, {1, token}).ok());
  EXPECT_EQ(core_->ListRegions("", RegionType::kUnspecified, {1, token})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      core_->ListRegions("A", RegionType::kCountry, {1, token}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(core_->ListSources({1, token}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ContractRulesTest, ListsPageThroughEveryItemInIdOrder) {
  for (int32_t size : {1, 2, 4, 5, 100}) {
    std::vector<std::string> ids;
    for (uint32_t s : testing::AllItems(size, [&](const PageRequest& p) {
           return core_->ListSources(p);
         })) {
      ids.push_back(dataset_->sources()[s].id);
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"MIRROR", "NEWS_NEW", "OFF_NEW",
                                             "OFF_OLD", "OFF_TWIN", "UNDATED",
                                             "WIRE"}))
        << size;
  }
}

TEST_F(ContractRulesTest, EnumValuesOutsideTheContractAreRejectedByName) {
  struct Case {
    ObservationFilter filter;
    const char* field;
  };
  std::vector<Case> cases;
  ObservationFilter f;
  f.statuses = {ObservationStatus::kFinal,
                UncheckedEnum<ObservationStatus>::FromInt(257)};
  cases.push_back({f, "filter.statuses[1]"});
  f = {};
  f.statuses = {UncheckedEnum<ObservationStatus>::FromInt(0)};
  cases.push_back({f, "filter.statuses[0]"});
  f = {};
  f.min_reliability = UncheckedEnum<Reliability>::FromInt(261);  // 5 + 256.
  cases.push_back({f, "filter.min_reliability"});
  f = {};
  f.min_reliability = UncheckedEnum<Reliability>::FromInt(-1);
  cases.push_back({f, "filter.min_reliability"});
  f = {};
  f.source_mode = UncheckedEnum<SourceMode>::FromInt(3);
  cases.push_back({f, "filter.source_mode"});
  f = {};
  f.source_mode = UncheckedEnum<SourceMode>::FromInt(258);  // 2 + 256.
  cases.push_back({f, "filter.source_mode"});
  for (const Case& c : cases) {
    absl::Status query = core_->QueryObservations(c.filter, {}).status();
    absl::Status stream = core_->StreamObservations(c.filter).status();
    for (const absl::Status& status : {query, stream}) {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
      std::optional<ErrorDetail> detail = GetErrorDetail(status);
      ASSERT_TRUE(detail.has_value()) << c.field;
      EXPECT_EQ(detail->field, c.field);
      EXPECT_EQ(detail->reason, reason::kInvalidEnumValue);
    }
  }
  EXPECT_EQ(core_->ListRegions("", UncheckedEnum<RegionType>::FromInt(263), {})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // Unspecified source mode means all.
  ObservationFilter unspecified = Count({"A"});
  ObservationFilter all = Count({"A"});
  all.source_mode = SourceMode::kAll;
  EXPECT_EQ(Values(unspecified), Values(all));
}

TEST_F(ContractRulesTest, CoverageCountsDistinctSourcesRegionsAndPeriods) {
  std::map<std::string, IndicatorCoverage> coverage;
  for (const IndicatorCoverage& c : dataset_->coverage()) {
    coverage[dataset_->indicators()[c.indicator].id] = c;
  }
  ASSERT_EQ(coverage.size(), 2u);
  const IndicatorCoverage& count = coverage["count"];
  EXPECT_EQ(count.observation_count, 24);
  EXPECT_EQ(count.region_count, 5);  // A, A-1, A-1-X, B, W.
  EXPECT_EQ(count.source_count, 7);  // Every source, each counted once.
  EXPECT_EQ(count.first_period->ToString(), "2020");
  EXPECT_EQ(count.last_period->ToString(), "2026");
  const IndicatorCoverage& ratio = coverage["ratio"];
  EXPECT_EQ(ratio.observation_count, 4);
  EXPECT_EQ(ratio.region_count, 2);
  EXPECT_EQ(ratio.source_count, 4);  // OFF_OLD, NEWS_NEW, MIRROR, UNDATED.
}

}  // namespace
}  // namespace indicators
