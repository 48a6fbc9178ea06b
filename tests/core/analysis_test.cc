// The analysis answers on the frozen innovation dataset: values in dollars
// and other powers of ten with the rate attached, derived indicators with
// their exact inputs, growth, regional aggregates against the published
// national totals, comparability warnings and catalog search.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "server/core/analysis/value_conversion.h"
#include "server/core/base/errors.h"
#include "server/core/load/dataset_loader.h"
#include "server/core/service_core.h"
#include "tests/testing/innovation_data_test.h"
#include "tests/testing/temp_dataset.h"

namespace indicators {
namespace {

class AnalysisTest : public testing::InnovationDataTest {
 protected:
  uint32_t RateRow(int year) const {
    return RowOf("exchange_rate_cny_per_usd", "CN", std::to_string(year),
                 "S62");
  }
};

bool HasWarning(const std::vector<ComparabilityWarning>& warnings,
                WarningCode code) {
  return std::any_of(warnings.begin(), warnings.end(),
                     [&](const auto& w) { return w.code == code; });
}

TEST_F(AnalysisTest, DollarsAtTheDatasetsAnnualRateWithTheRateAttached) {
  const uint32_t final_row = RowOf("rd_expenditure", "CN-GD", "2023", "S56");
  ASSERT_EQ(Row(final_row).value, 480.26);
  ValueOptions usd;
  usd.currency = "USD";
  auto shown = ShowRows(d(), {final_row}, usd);
  ASSERT_TRUE(shown.ok()) << shown.status();
  const ExpressedValue& v = shown->expressed->values.at(0);
  const double rate = Row(RateRow(2023)).value;
  EXPECT_EQ(v.value, 480.26 / rate);
  EXPECT_NEAR(v.value, 67.80, 0.005);  // As the dataset's README states.
  EXPECT_EQ(v.unit, "USD");
  EXPECT_EQ(v.unit_multiplier, 9);
  ASSERT_TRUE(v.rate_row.has_value());
  EXPECT_EQ(*v.rate_row, RateRow(2023));
  EXPECT_EQ(DescribeRow(d(), *v.rate_row),
            "exchange_rate_cny_per_usd CN 2023 (S62)");
  EXPECT_TRUE(shown->warnings.empty());

  // The same figure in 10^8 yuan (亿元, as the communiqué prints it).
  ValueOptions yi;
  yi.unit_multiplier = 8;
  auto scaled = ShowRows(d(), {final_row}, yi);
  ASSERT_TRUE(scaled.ok());
  EXPECT_NEAR(scaled->expressed->values[0].value, 4802.6, 1e-9);
  EXPECT_EQ(scaled->expressed->values[0].unit, "CNY");
  EXPECT_FALSE(scaled->expressed->values[0].rate_row.has_value());
}

TEST_F(AnalysisTest,
       TheSeedsConversionBesideItsOwnPublishedOneWarnsOfTwoRates) {
  const uint32_t seed = RowOf("rd_expenditure", "CN-GD", "2023", "SEED");
  const uint32_t seed_usd =
      RowOf("rd_expenditure_usd", "CN-GD", "2023", "SEED");
  ValueOptions usd;
  usd.currency = "USD";
  auto shown = ShowRows(d(), {seed, seed_usd}, usd);
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_NEAR(shown->expressed->values[0].value, 64.9, 0.05);
  EXPECT_EQ(shown->expressed->values[0].value, 460 / Row(RateRow(2023)).value);
  // The published dollar figure stays as published.
  EXPECT_EQ(shown->expressed->values[1].value, 64.8);
  EXPECT_FALSE(shown->expressed->values[1].converted);
  ASSERT_TRUE(HasWarning(shown->warnings, WarningCode::kDifferentRates));
  for (const auto& w : shown->warnings) {
    if (w.code != WarningCode::kDifferentRates) continue;
    EXPECT_NE(w.message.find("different rates"), std::string::npos);
    EXPECT_EQ(w.rows, (std::vector<uint32_t>{seed, seed_usd}));
  }
  // Without the conversion the two currencies are a unit warning instead.
  auto plain = ShowRows(d(), {seed, seed_usd}, {});
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(HasWarning(plain->warnings, WarningCode::kMixedUnits));
  EXPECT_FALSE(HasWarning(plain->warnings, WarningCode::kDifferentRates));
}

TEST_F(AnalysisTest, AValueThatCannotBeConvertedIsAnErrorOrASkippedWarning) {
  const uint32_t intensity = RowOf("rd_intensity", "CN-GD", "2023", "S56");
  const uint32_t money = RowOf("rd_expenditure", "CN-GD", "2023", "S56");
  ValueOptions usd;
  usd.currency = "USD";
  auto refused = ShowRows(d(), {money, intensity}, usd);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("rd_intensity CN-GD 2023 (S56)"),
            std::string::npos)
      << refused.status();
  EXPECT_EQ(GetErrorDetail(refused.status())->field, "value_options.currency");
  EXPECT_EQ(GetErrorDetail(refused.status())->reason, "UNCONVERTIBLE_VALUE");

  usd.skip_unconvertible = true;
  auto skipped = ShowRows(d(), {money, intensity}, usd);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(skipped->expressed->values[1].value, Row(intensity).value);
  EXPECT_EQ(skipped->expressed->values[1].unit, "percent");
  ASSERT_TRUE(HasWarning(skipped->warnings, WarningCode::kNotConverted));

  // No rate for the year: 2012 has one, 2011 does not exist in the dataset.
  ValueOptions bad;
  bad.currency = "EUR";
  EXPECT_EQ(GetErrorDetail(ShowRows(d(), {money}, bad).status())->field,
            "value_options.currency");
  ValueOptions growth_in_usd;
  growth_in_usd.currency = "USD";
  growth_in_usd.transform = ValueTransform::kGrowth;
  EXPECT_EQ(ShowRows(d(), {money}, growth_in_usd).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A page token is bound to the value options as to the filter.
TEST_F(AnalysisTest, APageTokenIsBoundToTheValueOptions) {
  ObservationFilter f;
  f.indicator_ids = {"rd_expenditure"};
  ValueOptions usd;
  usd.currency = "USD";
  usd.skip_unconvertible = true;
  auto first = core().QueryObservations(f, {5, ""}, usd);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token.empty());
  EXPECT_TRUE(
      core().QueryObservations(f, {5, first->next_page_token}, usd).ok());
  ValueOptions cny;
  cny.currency = "CNY";
  for (const ValueOptions& other : {ValueOptions(), cny}) {
    auto reused =
        core().QueryObservations(f, {5, first->next_page_token}, other);
    ASSERT_FALSE(reused.ok());
    EXPECT_EQ(GetErrorDetail(reused.status())->reason, "PAGE_TOKEN_MISMATCH");
  }
}

TEST_F(AnalysisTest, DerivedIntensityIsExpenditureOverGdpFromTheNamedInputs) {
  auto found = core().GetIndicator("rd_intensity_derived");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(d().is_derived_indicator(found->index));
  ObservationFilter f;
  f.indicator_ids = {"rd_intensity_derived"};
  f.region_codes = {"CN-GD"};
  f.start_period = f.end_period = "2023";
  auto page = core().QueryObservations(f, {});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 1u);
  const uint32_t row = page->items[0];
  ASSERT_TRUE(d().is_derived_row(row));
  const auto& inputs = d().inputs_of(row);
  const Observation& expenditure = Row(inputs[0]);
  const Observation& gdp = Row(inputs[1]);
  EXPECT_EQ(d().indicators()[expenditure.indicator].id, "rd_expenditure");
  EXPECT_EQ(d().indicators()[gdp.indicator].id, "gdp");
  // The preferred figures: the final 480.26 bn, not the 460 bn estimate.
  EXPECT_EQ(expenditure.value, 480.26);
  EXPECT_EQ(expenditure.status, ObservationStatus::kFinal);
  EXPECT_DOUBLE_EQ(Row(row).value, expenditure.value / gdp.value * 100);
  EXPECT_EQ(Row(row).status, ObservationStatus::kFinal);
  // It cites every source of both inputs.
  std::set<uint32_t> cited(d().sources_of(Row(row)).begin(),
                           d().sources_of(Row(row)).end());
  for (uint32_t input : inputs) {
    for (uint32_t s : d().sources_of(Row(input))) EXPECT_TRUE(cited.count(s));
  }

  // Never mistaken for published: not in an unnamed query or the default list.
  auto all = core().QueryObservations({}, {1000, ""});
  ASSERT_TRUE(all.ok());
  auto listed = core().ListIndicators({1000, ""});
  ASSERT_TRUE(listed.ok());
  for (uint32_t i : listed->items) EXPECT_FALSE(d().is_derived_indicator(i));
  auto with_derived = core().ListIndicators({1000, ""}, true);
  ASSERT_TRUE(with_derived.ok());
  EXPECT_EQ(with_derived->items.size(), d().indicators().size());
  EXPECT_EQ(listed->items.size(), d().published_indicator_count());
  EXPECT_GT(d().indicators().size(), d().published_indicator_count());
}

// The derived intensity against the published one, province by province: the
// GDP series is the revised one, so 2019-2023 agree to the communiqués'
// rounding and 2012-2018 differ (fourth economic census). Reports both.
TEST_F(AnalysisTest, DerivedIntensityAgainstThePublishedOne) {
  std::map<int, double> worst;  // By year: the largest |derived - published|.
  int compared = 0;
  ObservationFilter f;
  f.indicator_ids = {"rd_intensity_derived"};
  f.region_codes = {"CN"};
  f.include_subregions = true;
  auto page = core().QueryObservations(f, {1000, ""});
  ASSERT_TRUE(page.ok());
  const uint32_t published = *d().FindIndicator("rd_intensity");
  for (uint32_t row : page->items) {
    const Observation& o = Row(row);
    std::optional<uint32_t> p =
        d().preferred_row(published, o.region, o.period);
    if (!p) continue;
    ++compared;
    double& w = worst[o.period.year()];
    w = std::max(w, std::abs(o.value - Row(*p).value));
  }
  EXPECT_GE(compared, 31 * 12);
  for (const auto& [year, gap] : worst) {
    std::printf(
        "derived vs published rd_intensity %d: largest gap %.3f points\n", year,
        gap);
    // The dataset's README: within about 0.12 points for 2019-2023.
    if (year >= 2019 && year <= 2023) {
      EXPECT_LE(gap, 0.13) << year;
    }
  }
  EXPECT_GT(worst[2017], 0.12);  // The revision is visible before 2019.
}

TEST_F(AnalysisTest, GrowthUsesThePreferredFiguresOfBothYearsAndNamesThem) {
  ObservationFilter f;
  f.indicator_ids = {"rd_expenditure"};
  f.region_codes = {"CN-GD"};
  f.start_period = f.end_period = "2023";
  f.source_mode = SourceMode::kPreferred;
  ValueOptions growth;
  growth.transform = ValueTransform::kGrowth;
  auto page = core().QueryObservations(f, {}, growth);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->shown.expressed->values.size(), 1u);
  const ExpressedValue& v = page->shown.expressed->values[0];
  ASSERT_TRUE(v.previous_row.has_value());
  EXPECT_EQ(Row(v.row).value, 480.26);
  EXPECT_EQ(Row(*v.previous_row).value, 441.19);
  EXPECT_EQ(Row(*v.previous_row).status, ObservationStatus::kFinal);
  EXPECT_EQ(Row(*v.previous_row).period.ToString(), "2022");
  EXPECT_DOUBLE_EQ(v.value, (480.26 / 441.19 - 1) * 100);
  EXPECT_EQ(v.unit, "percent");
  // The first year has nothing to grow from: left out, with a warning.
  f.start_period = "2012";
  f.end_period = "2013";
  auto first = core().QueryObservations(f, {}, growth);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->shown.expressed->values.size(), 1u);
  EXPECT_TRUE(
      HasWarning(first->shown.warnings, WarningCode::kNoPreviousPeriod));
  // A ratio has no growth here.
  f.indicator_ids = {"rd_intensity"};
  EXPECT_EQ(core().QueryObservations(f, {}, growth).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AnalysisTest, ProvincesAddUpToTheNationalTotalEveryYear) {
  AggregateRequest r;
  r.indicator_id = "rd_expenditure";
  r.parent_region_code = "CN";
  r.start_period = "2012";
  r.end_period = "2023";
  auto sums = core().AggregateObservations(r);
  ASSERT_TRUE(sums.ok()) << sums.status();
  ASSERT_EQ(sums->periods.size(), 12u);
  for (const RegionalAggregate& a : sums->periods) {
    EXPECT_EQ(a.expected_regions, 31) << a.period.ToString();
    EXPECT_EQ(a.reporting.size(), 31u) << a.period.ToString();
    ASSERT_TRUE(a.published_total.has_value()) << a.period.ToString();
    EXPECT_NEAR(a.share_of_published_total, 1.0, 0.001) << a.period.ToString();
    double sum = 0;
    for (const auto& [role, row] : a.inputs) sum += Row(row).value;
    EXPECT_DOUBLE_EQ(a.value, sum);
    EXPECT_EQ(a.inputs.size(), 31u);
  }
  EXPECT_TRUE(sums->warnings.empty());

  // A ratio only as the ratio of sums, with both inputs of every province.
  r.indicator_id = "rd_intensity";
  r.start_period = r.end_period = "2023";
  auto ratio = core().AggregateObservations(r);
  ASSERT_TRUE(ratio.ok()) << ratio.status();
  ASSERT_EQ(ratio->periods.size(), 1u);
  const RegionalAggregate& a = ratio->periods[0];
  EXPECT_EQ(a.inputs.size(), 62u);
  double expenditure = 0, gdp = 0;
  for (const auto& [role, row] : a.inputs) {
    (role == "numerator" ? expenditure : gdp) += Row(row).value;
  }
  EXPECT_DOUBLE_EQ(a.value, expenditure / gdp * 100);
  EXPECT_NEAR(a.value, Row(*a.published_total).value, 0.1);

  // A ratio without a rule, and a list with a region that never reported.
  r.indicator_id = "exchange_rate_cny_per_usd";
  EXPECT_EQ(GetErrorDetail(core().AggregateObservations(r).status())->reason,
            "NOT_AGGREGATABLE");
  AggregateRequest list;
  list.indicator_id = "rd_expenditure";
  list.region_codes = {"CN-GD", "CN-BJ", "CN-HK"};
  list.start_period = list.end_period = "2023";
  auto partial = core().AggregateObservations(list);
  ASSERT_TRUE(partial.ok()) << partial.status();
  ASSERT_EQ(partial->periods.size(), 1u);
  EXPECT_EQ(partial->periods[0].reporting.size(), 2u);
  EXPECT_EQ(partial->periods[0].expected_regions, 3);
  EXPECT_TRUE(HasWarning(partial->warnings, WarningCode::kIncompleteCoverage));
}

TEST_F(AnalysisTest, MixedStatusesWarnAndACleanQueryDoesNot) {
  ObservationFilter f;
  f.indicator_ids = {"rd_expenditure"};
  f.region_codes = {"CN-GD"};
  f.start_period = f.end_period = "2023";
  auto mixed = core().QueryObservations(f, {});
  ASSERT_TRUE(mixed.ok());
  ASSERT_TRUE(HasWarning(mixed->shown.warnings, WarningCode::kMixedStatus));
  for (const auto& w : mixed->shown.warnings) {
    if (w.code != WarningCode::kMixedStatus) continue;
    EXPECT_NE(w.message.find("estimate"), std::string::npos) << w.message;
    EXPECT_EQ(w.figure_count, static_cast<int64_t>(w.rows.size()));
    for (uint32_t row : w.rows) {
      EXPECT_NE(Row(row).status, ObservationStatus::kFinal)
          << DescribeRow(d(), row);
    }
  }
  f.region_codes = {"CN"};
  f.include_subregions = true;
  f.start_period = "2019";
  f.end_period = "2023";
  f.source_mode = SourceMode::kPreferred;
  f.region_codes = {"CN-BJ", "CN-SH", "CN-JS"};
  f.include_subregions = false;
  auto clean = core().QueryObservations(f, {});
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->items.size(), 15u);
  for (const auto& w : clean->shown.warnings) ADD_FAILURE() << w.message;
  // Derived beside published says so.
  f.indicator_ids = {"rd_intensity", "rd_intensity_derived"};
  auto both = core().QueryObservations(f, {});
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(
      HasWarning(both->shown.warnings, WarningCode::kDerivedWithPublished));
}

TEST_F(AnalysisTest, SearchToleratesATypoAndAMissingWord) {
  auto region_first = [&](const std::string& query) -> std::string {
    auto hits = core().SearchCatalog(query, 0, false);
    EXPECT_TRUE(hits.ok()) << hits.status();
    for (const SearchHit& h : *hits) {
      if (h.kind == CatalogKind::kRegion) return d().regions()[h.index].code;
    }
    return "";
  };
  EXPECT_EQ(region_first("guangdon"), "CN-GD");
  EXPECT_EQ(region_first("Guangdong"), "CN-GD");
  EXPECT_EQ(region_first("gaungdong"), "CN-GD");  // Letters swapped.

  auto hits = core().SearchCatalog("research intensity", 5, false);
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].kind, CatalogKind::kIndicator);
  EXPECT_EQ(d().indicators()[(*hits)[0].index].id, "rd_intensity");

  auto both = core().SearchCatalog("guangdon r&d", 10, false);
  ASSERT_TRUE(both.ok());
  std::set<std::string> found;
  for (const SearchHit& h : *both) {
    if (h.kind == CatalogKind::kRegion)
      found.insert(d().regions()[h.index].code);
    if (h.kind == CatalogKind::kIndicator) {
      found.insert(d().indicators()[h.index].id);
    }
  }
  EXPECT_TRUE(found.count("CN-GD"));
  EXPECT_TRUE(found.count("rd_expenditure"));
  EXPECT_TRUE(found.count("rd_intensity"));

  EXPECT_EQ(core().SearchCatalog("  ", 0, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto derived = core().SearchCatalog("intensity derived", 3, true);
  ASSERT_TRUE(derived.ok());
  ASSERT_FALSE(derived->empty());
  EXPECT_EQ(d().indicators()[(*derived)[0].index].id, "rd_intensity_derived");
}

// With the derived indicators, the catalog is still in id order, on every
// page.
TEST_F(AnalysisTest, ListingDerivedIndicatorsKeepsIdOrder) {
  for (int32_t size : {1, 3, 100}) {
    std::vector<std::string> ids;
    PageRequest page{size, ""};
    for (int pages = 0; pages < 100; ++pages) {
      auto result = core().ListIndicators(page, /*include_derived=*/true);
      ASSERT_TRUE(result.ok()) << result.status();
      for (uint32_t i : result->items) ids.push_back(d().indicators()[i].id);
      if (result->next_page_token.empty()) break;
      page.page_token = result->next_page_token;
    }
    EXPECT_EQ(ids.size(), d().indicators().size());
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << size;
    EXPECT_NE(std::find(ids.begin(), ids.end(), "rd_intensity_derived"),
              ids.end());
  }
}

// A query naming derived indicators beside published ones answers in id
// order (gdp_per_capita between gdp and population, rd_intensity_derived
// after rd_intensity), on every page size and across stream resumes, with
// no row twice and none missing.
TEST_F(AnalysisTest, DerivedIndicatorsComeInIdOrderAcrossPagesAndResumes) {
  const std::vector<std::string> named = {"rd_personnel",
                                          "rd_intensity_derived",
                                          "population",
                                          "gdp_per_capita",
                                          "gdp",
                                          "rd_intensity",
                                          "rd_expenditure_per_fte_derived"};
  // Every page of `filter`'s answer, `size` rows a page.
  auto all_pages = [&](const ObservationFilter& filter, int32_t size) {
    std::vector<uint32_t> rows;
    PageRequest page{size, ""};
    for (int pages = 0; pages < 100000; ++pages) {
      auto result = core().QueryObservations(filter, page);
      EXPECT_TRUE(result.ok()) << result.status();
      if (!result.ok()) break;
      rows.insert(rows.end(), result->items.begin(), result->items.end());
      if (result->next_page_token.empty()) break;
      page.page_token = result->next_page_token;
    }
    return rows;
  };
  // The expected answer: each indicator's rows, indicators by id.
  std::vector<std::string> by_id = named;
  std::sort(by_id.begin(), by_id.end());
  std::vector<uint32_t> expected;
  for (const std::string& id : by_id) {
    ObservationFilter one;
    one.indicator_ids = {id};
    const std::vector<uint32_t> rows = all_pages(one, 1000);
    ASSERT_FALSE(rows.empty()) << id;
    expected.insert(expected.end(), rows.begin(), rows.end());
  }
  ObservationFilter f;
  f.indicator_ids = named;
  for (int32_t size : {1, 7, 50, 1000}) {
    const std::vector<uint32_t> rows = all_pages(f, size);
    EXPECT_TRUE(rows == expected) << "page size " << size << ": " << rows.size()
                                  << " rows of " << expected.size();
  }
  // A stream resumed from its token after every few rows.
  for (size_t batch : {1, 5, 64}) {
    std::vector<uint32_t> rows;
    std::string token;
    for (size_t streams = 0; streams <= expected.size(); ++streams) {
      auto stream = core().StreamObservations(f, token, {});
      ASSERT_TRUE(stream.ok()) << stream.status();
      std::vector<uint32_t> next;
      if (!stream->Next(batch, &next)) break;
      rows.insert(rows.end(), next.begin(), next.end());
      token = stream->ResumeToken();
    }
    EXPECT_TRUE(rows == expected) << "batch " << batch << ": " << rows.size()
                                  << " rows of " << expected.size();
  }
}

// The terms a hit matched are the query's words as the caller typed them.
TEST_F(AnalysisTest, SearchNamesTheMatchedTermsAsTyped) {
  auto hits = core().SearchCatalog("Guangdong R&D", 10, false);
  ASSERT_TRUE(hits.ok()) << hits.status();
  bool region = false;
  for (const SearchHit& h : *hits) {
    if (h.kind != CatalogKind::kRegion ||
        d().regions()[h.index].code != "CN-GD")
      continue;
    region = true;
    EXPECT_EQ(h.matched_terms, std::vector<std::string>{"Guangdong"});
  }
  EXPECT_TRUE(region);
  for (const SearchHit& h : *hits) {
    for (const std::string& term : h.matched_terms) {
      EXPECT_TRUE(term == "Guangdong" || term == "R&D") << term;
    }
  }
}

// A warning about many figures names the first kMaxWarningFigures and counts
// them all, so that it stays small beside the rows; a stream sends each
// warning (code and indicator) once.
TEST(ComparabilityTest,
     AWarningNamesAFewFiguresCountsThemAllAndGoesOncePerStream) {
  testing::TempDataset data;
  std::string text = data.Read("observations.csv");
  for (int year = 1800; year < 1950; ++year) {
    absl::StrAppend(&text, "rd_expenditure,CN-GD", ",", year,
                    ",1,exact,estimate,S1,\n");
  }
  data.Write("observations.csv", text);
  auto d = LoadDataset(data.dir());
  ASSERT_TRUE(d.ok()) << d.status();
  ServiceCore core(*d, PageTokenCodec("k"));
  ObservationFilter f;
  f.indicator_ids = {"rd_expenditure"};
  f.region_codes = {"CN-GD"};
  auto page = core.QueryObservations(f, {1000, ""});
  ASSERT_TRUE(page.ok()) << page.status();
  const auto& warnings = page->shown.warnings;
  auto mixed = std::find_if(
      warnings.begin(), warnings.end(),
      [](const auto& w) { return w.code == WarningCode::kMixedStatus; });
  ASSERT_NE(mixed, warnings.end());
  EXPECT_EQ(mixed->rows.size(), kMaxWarningFigures);
  EXPECT_GE(mixed->figure_count, 150);
  EXPECT_NE(mixed->message.find(
                absl::StrCat(" and ", mixed->figure_count - 3, " more")),
            std::string::npos)
      << mixed->message;

  // Two messages of one stream with the same mix: the second does not
  // repeat the warning.
  SentWarnings sent;
  const std::vector<uint32_t>& rows = page->items;
  auto first = FindWarnings(**d, rows, nullptr, &sent);
  auto second = FindWarnings(**d, rows, nullptr, &sent);
  auto has_mixed = [](const std::vector<ComparabilityWarning>& w) {
    return std::any_of(w.begin(), w.end(), [](const auto& x) {
      return x.code == WarningCode::kMixedStatus;
    });
  };
  EXPECT_TRUE(has_mixed(first));
  EXPECT_FALSE(has_mixed(second));
  EXPECT_TRUE(has_mixed(FindWarnings(**d, rows)));
}

}  // namespace
}  // namespace indicators

namespace indicators {
namespace {

// A copy of the innovation data with figures of 2031-2033 for Guangdong whose
// statuses and sources' reliabilities differ from year to year.
class WeakestInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_.Write("sources.csv", data_.Read("sources.csv") +
                                   "ZOFF,Pub,Official,2034-01-01,,official,\n"
                                   "ZNEWS,Pub,News,2034-01-01,,news,\n");
    data_.Write("observations.csv",
                data_.Read("observations.csv") +
                    "rd_expenditure,CN-GD,2031,500,exact,final,ZOFF,\n"
                    "rd_expenditure,CN-GD,2032,520,exact,preliminary,ZNEWS,\n"
                    "rd_expenditure,CN-GD,2033,540,exact,final,ZOFF,\n"
                    "gdp,CN-GD,2031,14000,exact,final,ZNEWS,\n");
    auto dataset = LoadDataset(data_.dir());
    ASSERT_TRUE(dataset.ok()) << dataset.status();
    dataset_ = *dataset;
  }

  // The row of the figure (one source each here).
  uint32_t RowOf(const std::string& indicator, const std::string& period) {
    const Dataset& d = *dataset_;
    for (uint32_t r = 0; r < d.observations().size(); ++r) {
      const Observation& o = d.observations()[r];
      if (d.indicators()[o.indicator].id == indicator &&
          d.regions()[o.region].code == "CN-GD" &&
          o.period.ToString() == period) {
        return r;
      }
    }
    ADD_FAILURE() << indicator << " " << period;
    return 0;
  }

  ExpressedValue Growth(const std::string& period) {
    ValueOptions growth;
    growth.transform = ValueTransform::kGrowth;
    const uint32_t row = RowOf("rd_expenditure", period);
    auto values = ExpressValues(*dataset_, {row}, growth);
    EXPECT_TRUE(values.ok()) << values.status();
    EXPECT_EQ(values->values.size(), 1u);
    return values->values[0];
  }

  testing::TempDataset data_{testing::TestDataDir("innovation")};
  std::shared_ptr<const Dataset> dataset_;
};

TEST_F(WeakestInputTest, GrowthTakesTheWeakerStatusAndReliabilityOfItsYears) {
  const ExpressedValue after_final = Growth("2032");  // 2031 final, official.
  EXPECT_EQ(after_final.status, ObservationStatus::kPreliminary);
  EXPECT_EQ(after_final.reliability, Reliability::kNews);
  const ExpressedValue after_preliminary = Growth("2033");  // From 2032.
  EXPECT_EQ(after_preliminary.status, ObservationStatus::kPreliminary);
  EXPECT_EQ(after_preliminary.reliability, Reliability::kNews);
  EXPECT_DOUBLE_EQ(after_preliminary.value, (540.0 / 520.0 - 1) * 100);
}

TEST_F(WeakestInputTest, ADerivedFigureTakesTheWeakestReliabilityOfItsInputs) {
  const uint32_t derived = RowOf("rd_intensity_derived", "2031");
  ASSERT_TRUE(dataset_->is_derived_row(derived));
  const Observation& o = dataset_->observations()[derived];
  // Expenditure from an official source, GDP from the news: news.
  EXPECT_EQ(o.reliability, Reliability::kNews);
  EXPECT_EQ(o.status, ObservationStatus::kFinal);
  EXPECT_DOUBLE_EQ(o.value, 500.0 / 14000.0 * 100);
}

}  // namespace
}  // namespace indicators
