// Queries, filters, the preference rule and paging over the bundled dataset.

#include "server/core/service_core.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "server/core/base/errors.h"
#include "server/core/load/dataset_loader.h"
#include "tests/testing/pages.h"
#include "tests/testing/temp_dataset.h"

namespace indicators {
namespace {

class ServiceCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = LoadDataset(testing::TestDataDir());
    ASSERT_TRUE(d.ok()) << d.status();
    dataset_ = *d;
    core_ = std::make_unique<ServiceCore>(dataset_, PageTokenCodec("key-1"));
  }

  // Returns every matching row, following next_page_token with `page_size`.
  std::vector<uint32_t> QueryAll(const ObservationFilter& f,
                                 int32_t page_size = kMaxPageSize) {
    return testing::AllItems(page_size, [&](const PageRequest& p) {
      return core_->QueryObservations(f, p);
    });
  }

  const Observation& Row(uint32_t r) const {
    return dataset_->observations()[r];
  }
  std::string IndicatorOf(uint32_t r) const {
    return dataset_->indicators()[Row(r).indicator].id;
  }
  std::string RegionOf(uint32_t r) const {
    return dataset_->regions()[Row(r).region].code;
  }
  std::set<std::string> SourcesOf(uint32_t r) const {
    std::set<std::string> out;
    for (uint32_t s : dataset_->sources_of(Row(r))) {
      out.insert(dataset_->sources()[s].id);
    }
    return out;
  }

  std::shared_ptr<const Dataset> dataset_;
  std::unique_ptr<ServiceCore> core_;
};

TEST_F(ServiceCoreTest, EmptyFilterReturnsEveryObservationInQueryOrder) {
  std::vector<uint32_t> rows = QueryAll({});
  ASSERT_EQ(rows.size(), dataset_->published_observation_count());
  for (size_t i = 1; i < rows.size(); ++i) {
    const Observation& a = Row(rows[i - 1]);
    const Observation& b = Row(rows[i]);
    EXPECT_LE(std::make_tuple(IndicatorOf(rows[i - 1]), RegionOf(rows[i - 1]),
                              a.period.sort_key()),
              std::make_tuple(IndicatorOf(rows[i]), RegionOf(rows[i]),
                              b.period.sort_key()));
  }
}

// Checks each filter against a plain scan of every row.
TEST_F(ServiceCoreTest, FiltersMatchABruteForceScan) {
  struct Case {
    const char* name;
    ObservationFilter filter;
    std::function<bool(uint32_t)> keep;
  };
  std::vector<Case> cases;
  {
    ObservationFilter f;
    f.indicator_ids = {"rd_intensity", "pct_applications"};
    cases.push_back({"indicators", f, [&](uint32_t r) {
                       return IndicatorOf(r) == "rd_intensity" ||
                              IndicatorOf(r) == "pct_applications";
                     }});
  }
  {
    ObservationFilter f;
    f.region_codes = {"CN-GD"};
    cases.push_back(
        {"region", f, [&](uint32_t r) { return RegionOf(r) == "CN-GD"; }});
  }
  {
    ObservationFilter f;
    f.region_codes = {"CN"};
    f.include_subregions = true;
    cases.push_back({"subregions", f, [&](uint32_t r) {
                       return RegionOf(r) == "CN" ||
                              dataset_->regions()[Row(r).region].parent_code ==
                                  "CN";
                     }});
  }
  {
    ObservationFilter f;
    f.start_period = "2022-06";
    f.end_period = "2023";
    cases.push_back({"period range", f, [&](uint32_t r) {
                       const int32_t m = Row(r).period.last_month_index();
                       return m >= 2022 * 12 + 5 && m <= 2023 * 12 + 11;
                     }});
  }
  {
    ObservationFilter f;
    f.source_ids = {"SEED", "S13"};
    cases.push_back({"sources", f, [&](uint32_t r) {
                       auto s = SourcesOf(r);
                       return s.count("SEED") || s.count("S13");
                     }});
  }
  {
    ObservationFilter f;
    f.min_reliability = Reliability::kOfficialMirror;
    cases.push_back({"reliability", f, [&](uint32_t r) {
                       return Row(r).reliability >=
                              Reliability::kOfficialMirror;
                     }});
  }
  {
    ObservationFilter f;
    f.statuses = {ObservationStatus::kPreliminary,
                  ObservationStatus::kEstimate};
    cases.push_back({"statuses", f, [&](uint32_t r) {
                       return Row(r).status != ObservationStatus::kFinal;
                     }});
  }
  for (const Case& c : cases) {
    std::vector<uint32_t> expected;
    // Derived rows only when named: not in these filters.
    for (uint32_t r = 0; r < dataset_->published_observation_count(); ++r) {
      if (c.keep(r)) expected.push_back(r);
    }
    ASSERT_FALSE(expected.empty()) << c.name;
    ASSERT_LT(expected.size(), dataset_->published_observation_count())
        << c.name;
    EXPECT_EQ(QueryAll(c.filter), expected) << c.name;
  }
}

TEST_F(ServiceCoreTest, SubregionsOfChinaIncludeEveryProvince) {
  ObservationFilter f;
  f.region_codes = {"CN"};
  f.include_subregions = true;
  std::set<std::string> regions;
  for (uint32_t r : QueryAll(f)) regions.insert(RegionOf(r));
  EXPECT_TRUE(regions.count("CN"));
  EXPECT_TRUE(regions.count("CN-GD"));
  EXPECT_TRUE(regions.count("CN-BJ"));
  EXPECT_FALSE(regions.count("US"));
  EXPECT_GT(regions.size(), 30u);
}

TEST_F(ServiceCoreTest, PreferredPicksFinalOverPreliminaryAndEstimate) {
  ObservationFilter f;
  f.indicator_ids = {"rd_expenditure"};
  f.region_codes = {"CN-GD"};
  f.start_period = "2023";
  f.end_period = "2023";
  EXPECT_EQ(QueryAll(f).size(), 4u);  // S13 final, S2, SEED, S1.
  f.source_mode = SourceMode::kPreferred;
  std::vector<uint32_t> rows = QueryAll(f);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Row(rows[0]).value, 480.26);
  EXPECT_EQ(Row(rows[0]).status, ObservationStatus::kFinal);
  EXPECT_EQ(SourcesOf(rows[0]), std::set<std::string>{"S13"});
}

TEST_F(ServiceCoreTest, PreferredThenPrefersReliabilityThenNewestPublication) {
  // PCT 2023 for Guangdong: CNIPA's final 23,676 beats the seed's 23,700.
  ObservationFilter f;
  f.indicator_ids = {"pct_applications"};
  f.region_codes = {"CN-GD"};
  f.start_period = "2023";
  f.end_period = "2023";
  f.source_mode = SourceMode::kPreferred;
  std::vector<uint32_t> rows = QueryAll(f);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Row(rows[0]).value, 23676);
  // Among the preliminary figures, SEED and S1 tie on status, grade and date:
  // dataset order decides, and exactly one row comes back.
  f.statuses = {ObservationStatus::kPreliminary};
  rows = QueryAll(f);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Row(rows[0]).value, 23700);
}

TEST(PreferenceRuleTest, PrefersBetterGradeThenNewerPublication) {
  testing::TempDataset data;
  data.Write("sources.csv", data.Read("sources.csv") +
                                "PA,P,T,2020,,news,\nPB,P,T,2021-05,,news,\n"
                                "PC,P,T,2019,,official,\n");
  data.Write("observations.csv",
             data.Read("observations.csv") +
                 "rd_intensity,CN,2030,1,exact,final,PA,\n"
                 "rd_intensity,CN,2030,2,exact,final,PB,\n"
                 "rd_intensity,CN,2031,3,exact,final,PB,\n"
                 "rd_intensity,CN,2031,4,exact,final,PC,\n");
  auto d = LoadDataset(data.dir());
  ASSERT_TRUE(d.ok()) << d.status();
  ServiceCore core(*d, PageTokenCodec("k"));
  ObservationFilter f;
  f.indicator_ids = {"rd_intensity"};
  f.region_codes = {"CN"};
  f.start_period = "2030";
  f.source_mode = SourceMode::kPreferred;
  auto page = core.QueryObservations(f, {});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ((*d)->observations()[page->items[0]].value, 2);  // Newer news.
  EXPECT_EQ((*d)->observations()[page->items[1]].value, 4);  // Official.
}

TEST_F(ServiceCoreTest, PreferredGivesOneRowPerFigure) {
  ObservationFilter f;
  f.source_mode = SourceMode::kPreferred;
  std::vector<uint32_t> rows = QueryAll(f, 7);
  std::set<std::tuple<uint32_t, uint32_t, int32_t>> figures;
  for (uint32_t r = 0; r < dataset_->published_observation_count(); ++r) {
    figures.insert({Row(r).indicator, Row(r).region, Row(r).period.sort_key()});
  }
  EXPECT_EQ(rows.size(), figures.size());
  std::set<std::tuple<uint32_t, uint32_t, int32_t>> seen;
  for (uint32_t r : rows) {
    EXPECT_TRUE(
        seen.insert({Row(r).indicator, Row(r).region, Row(r).period.sort_key()})
            .second);
  }
}

TEST_F(ServiceCoreTest, LatestOnlyKeepsTheMostRecentPeriodOfEachSeries) {
  ObservationFilter f;
  f.indicator_ids = {"valid_invention_patents"};
  f.region_codes = {"CN-GD"};
  f.latest_only = true;
  std::vector<uint32_t> rows = QueryAll(f);
  ASSERT_FALSE(rows.empty());
  for (uint32_t r : rows) EXPECT_EQ(Row(r).period.ToString(), "2025-02");

  // Bounded by the period range, latest means latest within it.
  f.end_period = "2023";
  rows = QueryAll(f);
  ASSERT_EQ(rows.size(), 2u);  // SEED and S1 both state 2023.
  for (uint32_t r : rows) EXPECT_EQ(Row(r).period.ToString(), "2023");
}

TEST_F(ServiceCoreTest, LatestOnlyWithPreferredGivesOneRowPerSeries) {
  ObservationFilter f;
  f.indicator_ids = {"rd_expenditure"};
  f.region_codes = {"CN"};
  f.include_subregions = true;
  f.latest_only = true;
  f.source_mode = SourceMode::kPreferred;
  std::vector<uint32_t> rows = QueryAll(f, 3);
  std::set<std::string> regions;
  for (uint32_t r : rows) EXPECT_TRUE(regions.insert(RegionOf(r)).second);
  EXPECT_GT(rows.size(), 20u);
}

TEST_F(ServiceCoreTest, PagesConcatenatedEqualOneUnpaginatedResult) {
  std::vector<ObservationFilter> filters(4);
  filters[1].region_codes = {"CN"};
  filters[1].include_subregions = true;
  filters[2].source_mode = SourceMode::kPreferred;
  filters[3].latest_only = true;
  for (const ObservationFilter& f : filters) {
    const std::vector<uint32_t> all = QueryAll(f, kMaxPageSize);
    ASSERT_FALSE(all.empty());
    for (int32_t size : {1, 3, 7, 100}) {
      EXPECT_EQ(QueryAll(f, size), all) << "page size " << size;
    }
  }
}

// What was known on a date: the preferred rule applies among the figures
// published by then (Guangdong's 2023 R&D: the January 2024 work report's
// estimate, then the October 2024 communique's final figure).
TEST_F(ServiceCoreTest, KnownOnGivesWhatWasPublishedByThatDate) {
  ObservationFilter f;
  f.indicator_ids = {"rd_expenditure"};
  f.region_codes = {"CN-GD"};
  f.start_period = f.end_period = "2023";
  f.source_mode = SourceMode::kPreferred;
  auto preferred_on = [&](const std::string& day) {
    f.known_on = day;
    std::vector<uint32_t> rows = QueryAll(f);
    EXPECT_LE(rows.size(), 1u);
    return rows.empty() ? nullptr : &dataset_->observations()[rows[0]];
  };
  const Observation* early = preferred_on("2024-03-01");
  ASSERT_NE(early, nullptr);
  EXPECT_EQ(early->value, 460);
  EXPECT_EQ(early->qualifier, Qualifier::kAbout);
  EXPECT_EQ(early->status, ObservationStatus::kPreliminary);
  const Observation* late = preferred_on("2025-01-01");
  ASSERT_NE(late, nullptr);
  EXPECT_EQ(late->value, 480.26);
  EXPECT_EQ(late->status, ObservationStatus::kFinal);
  EXPECT_EQ(preferred_on("2024-01-22"), nullptr);  // The day before S2.
  const Observation* first_day = preferred_on("2024-01-23");
  ASSERT_NE(first_day, nullptr);
  EXPECT_EQ(first_day->value, 460);
}

// A date of only a year counts from its last day; a figure whose sources have
// no date is never known on a date.
TEST_F(ServiceCoreTest,
       KnownOnCountsPartialDatesFromTheirLastDayAndSkipsUndated) {
  ObservationFilter f;
  f.indicator_ids = {"rd_personnel"};
  f.region_codes = {"CN-GD"};
  f.start_period = f.end_period = "2021";
  f.source_ids = {"S6"};  // Published "2022".
  f.known_on = "2022-12-30";
  EXPECT_TRUE(QueryAll(f).empty());
  f.known_on = "2022-12-31";
  EXPECT_EQ(QueryAll(f).size(), 1u);
  ObservationFilter undated;
  undated.indicator_ids = {"rd_expenditure"};
  undated.region_codes = {"CN-AH"};
  undated.start_period = undated.end_period = "2022";
  undated.source_ids = {"S16"};  // No publication date.
  EXPECT_EQ(QueryAll(undated).size(), 1u);
  undated.known_on = "9999-12-31";
  EXPECT_TRUE(QueryAll(undated).empty());
}

TEST_F(ServiceCoreTest, KnownOnMustBeADay) {
  for (const char* bad : {"2024", "2024-03", "2024-02-30", "2024-3-01", "x"}) {
    ObservationFilter f;
    f.known_on = bad;
    auto page = core_->QueryObservations(f, {});
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    std::optional<ErrorDetail> detail = GetErrorDetail(page.status());
    ASSERT_TRUE(detail.has_value()) << bad;
    EXPECT_EQ(detail->reason, reason::kInvalidDate);
    EXPECT_EQ(detail->field, "filter.known_on");
  }
}

TEST_F(ServiceCoreTest, HistoryListsEveryValueOfAFigureOldestFirst) {
  auto history = core_->ObservationHistory("rd_expenditure", "CN-GD", "2023");
  ASSERT_TRUE(history.ok()) << history.status();
  std::vector<std::pair<double, std::string>> got;
  for (uint32_t r : history->rows) {
    const Observation& o = dataset_->observations()[r];
    std::string sources;
    for (uint32_t s : dataset_->sources_of(o))
      sources += dataset_->sources()[s].id;
    got.emplace_back(o.value, sources);
  }
  // S2 2024-01-23; S1 and SEED 2024-02-19 (query order between them); S13
  // 2024-10-08.
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], std::make_pair(460.0, std::string("S2")));
  EXPECT_EQ(got[3], std::make_pair(480.26, std::string("S13")));
  std::set<std::string> middle = {got[1].second, got[2].second};
  EXPECT_EQ(middle, (std::set<std::string>{"S1", "SEED"}));
  for (size_t i = 1; i < history->rows.size(); ++i) {
    EXPECT_LE(
        dataset_->known_from(dataset_->observations()[history->rows[i - 1]]),
        dataset_->known_from(dataset_->observations()[history->rows[i]]));
  }
  auto none = core_->ObservationHistory("rd_expenditure", "CN-GD", "1999");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->rows.empty());
  EXPECT_EQ(core_->ObservationHistory("nope", "CN-GD", "2023").status().code(),
            absl::StatusCode::kNotFound);
  auto bad_period = core_->ObservationHistory("rd_expenditure", "CN-GD", "23");
  EXPECT_EQ(bad_period.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorDetail(bad_period.status())->field, "period");
}

// Resuming after any batch gives exactly the rest of the stream.
// Values no source dates come after the dated ones, whatever the file order.
TEST(ServiceCoreHistoryTest, UndatedValuesComeLast) {
  testing::TempDataset data;
  data.Write("sources.csv", data.Read("sources.csv") +
                                "ZUND,Pub,Undated,,,news,\n"
                                "ZOLD,Pub,Older,2031-03-01,,news,\n"
                                "ZNEW,Pub,Newer,2032-05-01,,official,\n");
  data.Write("observations.csv",
             data.Read("observations.csv") +
                 "rd_expenditure,CN-GD,2031,3,about,estimate,ZUND,\n"
                 "rd_expenditure,CN-GD,2031,2,exact,final,ZNEW,\n"
                 "rd_expenditure,CN-GD,2031,1,about,preliminary,ZOLD,\n");
  auto dataset = LoadDataset(data.dir());
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ServiceCore core(*dataset, PageTokenCodec("key"));
  auto history = core.ObservationHistory("rd_expenditure", "CN-GD", "2031");
  ASSERT_TRUE(history.ok()) << history.status();
  std::vector<double> values;
  for (uint32_t r : history->rows) {
    values.push_back((*dataset)->observations()[r].value);
  }
  EXPECT_EQ(values, (std::vector<double>{1, 2, 3}));
}

TEST_F(ServiceCoreTest, AStreamResumedAfterAnyBatchGivesExactlyTheRest) {
  ObservationFilter f;
  f.indicator_ids = {"rd_expenditure", "high_tech_enterprises"};
  f.include_subregions = true;
  f.region_codes = {"CN"};
  auto stream = core_->StreamObservations(f);
  ASSERT_TRUE(stream.ok()) << stream.status();
  std::vector<uint32_t> all, batch;
  std::vector<std::pair<size_t, std::string>> tokens;  // (rows before, token)
  while (stream->Next(7, &batch)) {
    all.insert(all.end(), batch.begin(), batch.end());
    tokens.emplace_back(all.size(), stream->ResumeToken());
  }
  ASSERT_GT(tokens.size(), 3u);
  for (const auto& [before, token] : tokens) {
    auto resumed = core_->StreamObservations(f, token);
    ASSERT_TRUE(resumed.ok()) << resumed.status();
    std::vector<uint32_t> rest;
    while (resumed->Next(5, &batch))
      rest.insert(rest.end(), batch.begin(), batch.end());
    EXPECT_EQ(rest, std::vector<uint32_t>(all.begin() + before, all.end()))
        << "after " << before << " rows";
  }
  // A token is bound to its filter and to the dataset version.
  ObservationFilter other = f;
  other.indicator_ids = {"high_tech_enterprises"};
  auto mismatched = core_->StreamObservations(other, tokens[0].second);
  EXPECT_EQ(mismatched.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mismatched.status().message().find("resume_token"),
            std::string::npos);
  testing::TempDataset changed;
  changed.Write("sources.csv",
                changed.Read("sources.csv") + "ZZ,Pub,T,2024,,news,\n");
  auto newer = LoadDataset(changed.dir());
  ASSERT_TRUE(newer.ok());
  ServiceCore next_version(*newer, PageTokenCodec("key-1"));
  auto stale = next_version.StreamObservations(f, tokens[0].second);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kInvalidArgument);
  std::optional<ErrorDetail> detail = GetErrorDetail(stale.status());
  ASSERT_TRUE(detail.has_value());
  EXPECT_EQ(detail->reason, reason::kStalePageToken);
  EXPECT_EQ(detail->field, "resume_token");
}

TEST_F(ServiceCoreTest, AQueryStopsWhenItsCallerHasGone) {
  ObservationFilter f;
  f.statuses = {ObservationStatus::kEstimate};  // Few matches: a long scan.
  int asked = 0;
  auto page =
      core_->QueryObservations(f, {1000, ""}, {}, [&] { return ++asked > 3; });
  EXPECT_EQ(page.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(asked, 4);  // Stopped at the first check that said so.
  asked = 0;
  auto full = core_->QueryObservations(f, {1000, ""}, {}, [&] {
    ++asked;
    return false;
  });
  ASSERT_TRUE(full.ok());
  EXPECT_GT(asked, 4);  // Asked between series all the way through.
}

TEST_F(ServiceCoreTest, RangeWithNoDataIsEmptyNotAnError) {
  ObservationFilter f;
  f.start_period = "1990";
  f.end_period = "1991";
  auto page = core_->QueryObservations(f, {});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->items.empty());
  EXPECT_TRUE(page->next_page_token.empty());
}

TEST_F(ServiceCoreTest, PageSizeDefaultsAndClamps) {
  // The test dataset has more rows than the maximum set here.
  ASSERT_GT(dataset_->observations().size(), 300u);
  ServiceCore core(dataset_, PageTokenCodec("k"), CoreLimits{150, 1000});
  auto page = core.QueryObservations({}, {0, ""});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), static_cast<size_t>(kDefaultPageSize));
  page = core.QueryObservations({}, {5000, ""});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 150u);
  EXPECT_FALSE(page->next_page_token.empty());
  page = core.QueryObservations({}, {120, ""});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 120u);
  auto list = core.ListSources({5000, ""});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->items.size(),
            std::min<size_t>(150, dataset_->sources().size()));
  // A maximum below the default page size still allows the default.
  ServiceCore tiny(dataset_, PageTokenCodec("k"), CoreLimits{10, 1000});
  page = tiny.QueryObservations({}, {5000, ""});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), static_cast<size_t>(kDefaultPageSize));
}

TEST_F(ServiceCoreTest, RejectsBadRequestsNamingTheField) {
  struct Case {
    ObservationFilter filter;
    PageRequest page;
    absl::StatusCode code;
    const char* field;
  };
  std::vector<Case> cases;
  cases.push_back(
      {{}, {-1, ""}, absl::StatusCode::kInvalidArgument, "page_size"});
  ObservationFilter f;
  f.start_period = "2023-1";
  cases.push_back(
      {f, {}, absl::StatusCode::kInvalidArgument, "filter.start_period"});
  f = {};
  f.end_period = "20x3";
  cases.push_back(
      {f, {}, absl::StatusCode::kInvalidArgument, "filter.end_period"});
  f = {};
  f.start_period = "2023";
  f.end_period = "2022-12";
  cases.push_back(
      {f, {}, absl::StatusCode::kInvalidArgument, "filter.end_period"});
  f = {};
  f.indicator_ids = {"rd_intensity", "nope"};
  cases.push_back(
      {f, {}, absl::StatusCode::kNotFound, "filter.indicator_ids[1]"});
  f = {};
  f.region_codes = {"XX"};
  cases.push_back(
      {f, {}, absl::StatusCode::kNotFound, "filter.region_codes[0]"});
  f = {};
  f.source_ids = {"S0"};
  cases.push_back({f, {}, absl::StatusCode::kNotFound, "filter.source_ids[0]"});
  f = {};
  f.statuses = {static_cast<ObservationStatus>(9)};
  cases.push_back(
      {f, {}, absl::StatusCode::kInvalidArgument, "filter.statuses[0]"});
  cases.push_back(
      {{}, {10, "garbage!"}, absl::StatusCode::kInvalidArgument, "page_token"});
  for (const Case& c : cases) {
    auto result = core_->QueryObservations(c.filter, c.page);
    EXPECT_EQ(result.status().code(), c.code) << c.field;
    EXPECT_EQ(result.status().message().rfind(c.field, 0), 0u)
        << result.status().message();
  }
}

TEST_F(ServiceCoreTest, ErrorsCarryAReasonAndTheField) {
  ObservationFilter f;
  f.source_ids = {"SEED", "S0"};
  absl::Status status = core_->QueryObservations(f, {}).status();
  std::optional<ErrorDetail> detail = GetErrorDetail(status);
  ASSERT_TRUE(detail.has_value()) << status;
  EXPECT_EQ(detail->reason, reason::kUnknownSource);
  EXPECT_EQ(detail->field, "filter.source_ids[1]");
  EXPECT_FALSE(GetErrorDetail(absl::InternalError("x")).has_value());
}

// A resume token is bound to the stream's value options as well: resuming
// with other options (or none) is refused, with the same ones it goes on.
TEST_F(ServiceCoreTest, AResumeTokenIsBoundToTheValueOptions) {
  ObservationFilter f;
  f.indicator_ids = {"rd_expenditure"};
  f.region_codes = {"CN"};
  f.include_subregions = true;
  ValueOptions in_millions;
  in_millions.unit_multiplier = 6;
  auto stream = core_->StreamObservations(f, "", in_millions);
  ASSERT_TRUE(stream.ok()) << stream.status();
  std::vector<uint32_t> batch;
  ASSERT_TRUE(stream->Next(5, &batch));
  const std::string token = stream->ResumeToken();
  EXPECT_TRUE(core_->StreamObservations(f, token, in_millions).ok());
  ValueOptions in_thousands;
  in_thousands.unit_multiplier = 3;
  for (const ValueOptions& other : {ValueOptions(), in_thousands}) {
    auto resumed = core_->StreamObservations(f, token, other);
    EXPECT_EQ(resumed.status().code(), absl::StatusCode::kInvalidArgument);
    std::optional<ErrorDetail> detail = GetErrorDetail(resumed.status());
    ASSERT_TRUE(detail.has_value());
    EXPECT_EQ(detail->reason, reason::kPageTokenMismatch);
    EXPECT_EQ(detail->field, "resume_token");
  }
}

TEST_F(ServiceCoreTest, RejectsATokenWithAnyByteChanged) {
  auto first = core_->QueryObservations({}, {10, ""});
  ASSERT_TRUE(first.ok());
  const std::string token = first->next_page_token;
  ASSERT_FALSE(token.empty());
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    auto page = core_->QueryObservations({}, {10, tampered});
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << i;
  }
  EXPECT_EQ(core_->QueryObservations({}, {10, token.substr(1)}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(core_->QueryObservations({}, {10, token}).ok());
  EXPECT_NE(alphabet.find(token[0]), std::string::npos);
}

// A forged token is never reported as a genuine one from elsewhere: every
// single-bit change, in any byte, is INVALID_PAGE_TOKEN.
TEST_F(ServiceCoreTest, AnyAlteredBitIsAnInvalidTokenNotAStaleOrMismatchedOne) {
  auto first = core_->QueryObservations({}, {10, ""});
  ASSERT_TRUE(first.ok());
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(first->next_page_token, &bytes));
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string altered = bytes;
      altered[i] = static_cast<char>(altered[i] ^ (1 << bit));
      const absl::Status status =
          core_->QueryObservations({}, {10, absl::WebSafeBase64Escape(altered)})
              .status();
      std::optional<ErrorDetail> detail = GetErrorDetail(status);
      ASSERT_TRUE(detail.has_value()) << i << ":" << bit << " " << status;
      EXPECT_EQ(detail->reason, reason::kInvalidPageToken)
          << "byte " << i << " bit " << bit << ": " << status;
    }
  }
}

TEST_F(ServiceCoreTest, RejectsATokenReusedWithAnotherQueryOrVersionOrKey) {
  auto first = core_->QueryObservations({}, {10, ""});
  ASSERT_TRUE(first.ok());
  ObservationFilter other;
  other.latest_only = true;
  auto changed = core_->QueryObservations(other, {10, first->next_page_token});
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(changed.status().message().find("different request"),
            std::string::npos);
  // The page size may change between pages.
  EXPECT_TRUE(core_->QueryObservations({}, {3, first->next_page_token}).ok());

  testing::TempDataset data;
  data.Write("sources.csv", data.Read("sources.csv") + "ZZ,P,T,2024,,news,\n");
  auto d2 = LoadDataset(data.dir());
  ASSERT_TRUE(d2.ok());
  ServiceCore other_version(*d2, PageTokenCodec("key-1"));
  auto stale =
      other_version.QueryObservations({}, {10, first->next_page_token});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(stale.status().message().find("another dataset version"),
            std::string::npos);

  ServiceCore other_key(dataset_, PageTokenCodec("key-2"));
  EXPECT_EQ(other_key.QueryObservations({}, {10, first->next_page_token})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ServiceCoreTest, GetsByIdAndReportsUnknownIds) {
  auto indicator = core_->GetIndicator("rd_expenditure");
  ASSERT_TRUE(indicator.ok());
  EXPECT_EQ(indicator->item->unit, "CNY");
  EXPECT_EQ(indicator->item->unit_multiplier, 9);
  EXPECT_EQ(core_->GetRegion("CN-GD").value().item->name, "Guangdong");
  EXPECT_EQ(core_->GetSource("SEED").value().item->reliability,
            Reliability::kNews);
  EXPECT_EQ(core_->GetIndicator("nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(core_->GetRegion("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(core_->GetSource("S0").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ServiceCoreTest, ListsRegionsByParentAndTypeAcrossPages) {
  std::vector<std::string> codes;
  for (uint32_t r : testing::AllItems(5, [&](const PageRequest& p) {
         return core_->ListRegions("CN", RegionType::kMunicipality, p);
       })) {
    codes.push_back(dataset_->regions()[r].code);
  }
  EXPECT_EQ(codes,
            (std::vector<std::string>{"CN-BJ", "CN-CQ", "CN-SH", "CN-TJ"}));
  EXPECT_EQ(
      core_->ListRegions("XX", RegionType::kUnspecified, {}).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_F(ServiceCoreTest, StreamReadsEveryMatchInBatches) {
  ObservationFilter f;
  f.region_codes = {"CN"};
  f.include_subregions = true;
  const std::vector<uint32_t> expected = QueryAll(f);
  auto stream = core_->StreamObservations(f);
  ASSERT_TRUE(stream.ok());
  std::vector<uint32_t> rows, batch;
  int batches = 0;
  while (stream->Next(16, &batch)) {
    EXPECT_LE(batch.size(), 16u);
    rows.insert(rows.end(), batch.begin(), batch.end());
    ++batches;
  }
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(batches, static_cast<int>((expected.size() + 15) / 16));
}

}  // namespace
}  // namespace indicators
