// Reconciliation on the frozen innovation data: the provinces against the
// national totals, derived against published intensity, sources against
// each other (revisions told apart), implied exchange rates, paging and
// errors. Each expectation is computed here from the rows themselves.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "server/core/base/errors.h"
#include "server/core/dataset/value_bounds.h"
#include "server/core/load/dataset_loader.h"
#include "server/core/service_core.h"
#include "tests/testing/innovation_data_test.h"
#include "tests/testing/temp_dataset.h"

namespace indicators {
namespace {

class ReconciliationTest : public testing::InnovationDataTest {
 protected:
  // Every page of `request`, concatenated.
  std::vector<FigureChecks> All(ReconcileRequest request) const {
    std::vector<FigureChecks> out;
    for (int pages = 0; pages < 10000; ++pages) {
      auto page = core().ReconcileObservations(request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (FigureChecks& f : page->figures) out.push_back(std::move(f));
      if (page->next_page_token.empty()) break;
      request.page.page_token = page->next_page_token;
    }
    return out;
  }

  std::vector<FigureChecks> Figures(const std::string& indicator,
                                    const std::string& region,
                                    const std::string& start = "",
                                    const std::string& end = "") const {
    ReconcileRequest r;
    r.filter.indicator_ids = {indicator};
    if (!region.empty()) r.filter.region_codes = {region};
    r.filter.start_period = start;
    r.filter.end_period = end;
    r.page.page_size = 1000;
    return All(r);
  }

  // The check of `kind` (comparing a row citing `source`, if given).
  const Check* Find(const FigureChecks& f, CheckKind kind,
                    const std::string& source = "") const {
    for (const Check& c : f.checks) {
      if (c.kind != kind) continue;
      if (source.empty()) return &c;
      const uint32_t* row = std::get_if<uint32_t>(&c.compared);
      if (row == nullptr) continue;
      for (uint32_t s : d().sources_of(d().observations()[*row])) {
        if (d().sources()[s].id == source) return &c;
      }
    }
    return nullptr;
  }

  std::vector<std::string> Ids(const std::vector<uint32_t>& sources) const {
    std::vector<std::string> out;
    for (uint32_t s : sources) out.push_back(d().sources()[s].id);
    return out;
  }

  // The first row of each figure in query order is its preferred one.
  std::map<std::tuple<uint32_t, uint32_t, Period>, uint32_t> Preferred() const {
    std::map<std::tuple<uint32_t, uint32_t, Period>, uint32_t> out;
    for (uint32_t r = 0; r < d().published_observation_count(); ++r) {
      const Observation& o = d().observations()[r];
      out.try_emplace({o.indicator, o.region, o.period}, r);
    }
    return out;
  }
};

TEST_F(ReconciliationTest, ProvincesAddUpToTheNationalRdExpenditure) {
  const auto preferred = Preferred();
  const uint32_t rd = *d().FindIndicator("rd_expenditure");
  const uint32_t cn = *d().FindRegion("CN");
  int checked = 0;
  for (const FigureChecks& f :
       Figures("rd_expenditure", "CN", "2012", "2023")) {
    const Check* c = Find(f, CheckKind::kSumOfParts);
    ASSERT_NE(c, nullptr) << f.period.ToString();
    // Brute force: the preferred figure of each child of CN with a figure.
    double sum = 0;
    int reporting = 0;
    for (uint32_t child : d().children(cn)) {
      auto it = preferred.find({rd, child, f.period});
      if (it == preferred.end()) continue;
      sum += d().observations()[it->second].value;
      ++reporting;
    }
    const double total =
        d().observations()[preferred.at({rd, cn, f.period})].value;
    EXPECT_NEAR(c->compared_value, sum, 1e-9);
    EXPECT_EQ(c->reporting_regions, reporting);
    EXPECT_EQ(c->reporting_regions, 31) << f.period.ToString();
    EXPECT_NEAR(c->difference, sum - total, 1e-9);
    // The tables we hold add up to within 0.003 %, inside the rounding of
    // 31 figures: consistent.
    EXPECT_LT(std::fabs(c->relative_difference), 0.00003)
        << f.period.ToString();
    EXPECT_EQ(c->verdict, Verdict::kConsistent) << c->summary;
    EXPECT_NE(c->summary.find("31 of 31 regions of CN"), std::string::npos)
        << c->summary;
    ++checked;
  }
  EXPECT_EQ(checked, 12);
}

TEST_F(ReconciliationTest, PartialSumsCanOnlyContradictATotalTheyExceed) {
  // Provinces' figures of a year with missing regions: the sum's bounds have
  // no ceiling.
  for (const FigureChecks& f : Figures("valid_invention_patents", "CN")) {
    const Check* c = Find(f, CheckKind::kSumOfParts);
    if (c == nullptr || c->missing.empty()) continue;
    EXPECT_FALSE(c->compared_bounds.upper_bounded()) << c->summary;
    EXPECT_EQ(c->verdict == Verdict::kDiscrepant,
              c->compared_bounds.Above(c->reference_bounds))
        << c->summary;
    EXPECT_EQ(c->reporting_regions + static_cast<int32_t>(c->missing.size()),
              c->expected_regions);
  }
}

TEST_F(ReconciliationTest, DerivedIntensityAgainstThePublishedOne) {
  // 2012-2018 the published intensities predate the GDP series we hold
  // (revised since): most provinces disagree beyond rounding.
  std::map<int, int> discrepant_by_year;
  int checks = 0;
  for (const FigureChecks& f : Figures("rd_intensity", "", "2012", "2023")) {
    const Check* c = Find(f, CheckKind::kDerivedVsPublished);
    if (c == nullptr) continue;
    ++checks;
    const uint32_t* derived = std::get_if<uint32_t>(&c->compared);
    ASSERT_NE(derived, nullptr);
    ASSERT_TRUE(d().is_derived_row(*derived));
    // The oracle: the derived ratio's bounds from its inputs' stated ones.
    const std::array<uint32_t, 2>& in = d().inputs_of(*derived);
    const Observation& e = d().observations()[in[0]];
    const Observation& g = d().observations()[in[1]];
    const Interval eb = StatedBounds(e.value, e.qualifier);
    const Interval gb = StatedBounds(g.value, g.qualifier);
    const double lo = eb.lower / gb.upper * 100, hi = eb.upper / gb.lower * 100;
    const Interval pb = RowBounds(d(), c->reference);
    const bool disjoint = hi < pb.lower || lo >= pb.upper;
    EXPECT_EQ(c->verdict == Verdict::kDiscrepant, disjoint) << c->summary;
    EXPECT_NEAR(c->compared_value, e.value / g.value * 100, 1e-9);
    if (c->verdict == Verdict::kDiscrepant) {
      ++discrepant_by_year[f.period.year()];
      EXPECT_NE(c->cause, DiscrepancyCause::kNone);
    }
  }
  EXPECT_GT(checks, 300);
  for (int year = 2012; year <= 2018; ++year) {
    EXPECT_GE(discrepant_by_year[year], 20) << year;
  }
  // The 2023 figures were published with the GDP we hold.
  EXPECT_LE(discrepant_by_year[2023], 2);
}

TEST_F(ReconciliationTest, Guangdong2019RdSourcesAgreeWithinBounds) {
  std::vector<FigureChecks> f =
      Figures("rd_expenditure", "CN-GD", "2019", "2019");
  ASSERT_EQ(f.size(), 1u);
  // S8's "over 300" against S52's and S20's 309.85: consistent.
  const Check* over = Find(f[0], CheckKind::kSources, "S8");
  ASSERT_NE(over, nullptr);
  EXPECT_EQ(over->verdict, Verdict::kConsistent) << over->summary;
  EXPECT_EQ(over->cause, DiscrepancyCause::kNone);
  EXPECT_FALSE(over->compared_bounds.upper_bounded());
  EXPECT_TRUE(f[0].has_agreement);
  EXPECT_EQ(f[0].observation_count, 3);
  EXPECT_EQ(Ids(f[0].agreeing_sources),
            (std::vector<std::string>{"S20", "S21", "S52", "S8"}));
  EXPECT_TRUE(f[0].disagreeing_sources.empty());
  EXPECT_FALSE(f[0].discrepant());
}

TEST_F(ReconciliationTest, PreliminaryFiguresAreRevisionsNotDisagreements) {
  std::vector<FigureChecks> f =
      Figures("rd_expenditure", "CN-GD", "2023", "2023");
  ASSERT_EQ(f.size(), 1u);
  const Check* about = Find(f[0], CheckKind::kSources, "S2");
  ASSERT_NE(about, nullptr);
  EXPECT_EQ(about->verdict, Verdict::kDiscrepant);
  EXPECT_EQ(about->cause, DiscrepancyCause::kRevision);
  EXPECT_NEAR(about->difference, 460 - 480.26, 1e-9);
  EXPECT_NE(about->summary.find("about 460 bn CNY (S2, preliminary)"),
            std::string::npos)
      << about->summary;
  EXPECT_NE(about->summary.find("a revision"), std::string::npos);
  const Check* over = Find(f[0], CheckKind::kSources, "S1");
  ASSERT_NE(over, nullptr);
  EXPECT_EQ(over->verdict, Verdict::kConsistent) << over->summary;
  EXPECT_TRUE(f[0].discrepant());
  const std::vector<std::string> disagreeing = Ids(f[0].disagreeing_sources);
  EXPECT_EQ(disagreeing, (std::vector<std::string>{"S2", "SEED"}));
}

TEST_F(ReconciliationTest, FinalFiguresOfOnePublisherRevisedLater) {
  // The 2018 communique's national intensity 2.19 (S51), revised to 2.14 in
  // the 2019 communique (S52) after the GDP revision: same publisher, later;
  // the newer is preferred.
  std::vector<FigureChecks> f = Figures("rd_intensity", "CN", "2018", "2018");
  ASSERT_EQ(f.size(), 1u);
  const Check* later = Find(f[0], CheckKind::kSources, "S51");
  ASSERT_NE(later, nullptr);
  EXPECT_NEAR(d().observations()[later->reference].value, 2.14, 1e-12);
  EXPECT_EQ(later->verdict, Verdict::kDiscrepant);
  EXPECT_EQ(later->cause, DiscrepancyCause::kRevision) << later->summary;
  // Two final figures of different publishers: the data does not say why.
  f = Figures("rd_personnel_fte", "CN", "2020", "2020");
  ASSERT_EQ(f.size(), 1u);
  bool unexplained = false;
  for (const Check& c : f[0].checks) {
    if (c.kind == CheckKind::kSources && c.verdict == Verdict::kDiscrepant) {
      unexplained |= c.cause == DiscrepancyCause::kUnexplained;
    }
  }
  EXPECT_TRUE(unexplained);
}

TEST_F(ReconciliationTest, ImpliedExchangeRateAgainstTheDatasetsRate) {
  std::vector<FigureChecks> f =
      Figures("rd_expenditure_usd", "CN-GD", "2023", "2023");
  ASSERT_EQ(f.size(), 1u);
  std::vector<const Check*> rates;
  for (const Check& c : f[0].checks) {
    if (c.kind == CheckKind::kImpliedExchangeRate) rates.push_back(&c);
  }
  ASSERT_EQ(rates.size(), 2u);  // One per dollar row.
  const uint32_t rate_row =
      *d().preferred_row(*d().FindIndicator("exchange_rate_cny_per_usd"),
                         *d().FindRegion("CN"), Period::Year(2023));
  for (const Check* c : rates) {
    EXPECT_EQ(c->reference, rate_row);
    const ComputedFigure& implied = std::get<ComputedFigure>(c->compared);
    ASSERT_EQ(implied.inputs.size(), 2u);
    const Observation& yuan = d().observations()[implied.inputs[0].second];
    const Observation& usd = d().observations()[implied.inputs[1].second];
    EXPECT_EQ(d().indicators()[yuan.indicator].id, "rd_expenditure");
    // The pair shares a source: the report gave both.
    EXPECT_EQ(yuan.source_set, usd.source_set);
    EXPECT_NEAR(c->compared_value, yuan.value / usd.value, 1e-12);
    // Interval division by brute force over the ends.
    const Interval yb = StatedBounds(yuan.value, yuan.qualifier);
    const Interval ub = StatedBounds(usd.value, usd.qualifier);
    EXPECT_NEAR(c->compared_bounds.lower, yb.lower / ub.upper, 1e-12);
    if (ub.lower > 0 && yb.upper_bounded()) {
      EXPECT_NEAR(c->compared_bounds.upper, yb.upper / ub.lower, 1e-12);
    } else {
      EXPECT_FALSE(c->compared_bounds.upper_bounded());
    }
    // 460 bn yuan (455 to 465) over about 64.8 bn dollars (64.75 to 64.85)
    // allows 7.016 to 7.181 yuan per dollar: the year's 7.084 lies inside.
    EXPECT_EQ(c->verdict, c->compared_bounds.Disjoint(c->reference_bounds)
                              ? Verdict::kDiscrepant
                              : Verdict::kConsistent);
    EXPECT_EQ(c->verdict, Verdict::kConsistent) << c->summary;
  }
}

TEST_F(ReconciliationTest, PagesJoinUpAndDiscrepanciesOnlyFilters) {
  ReconcileRequest whole;
  whole.filter.indicator_ids = {"rd_expenditure", "rd_intensity"};
  whole.page.page_size = 1000;
  const std::vector<FigureChecks> all = All(whole);
  ReconcileRequest paged = whole;
  paged.page.page_size = 7;
  const std::vector<FigureChecks> pages = All(paged);
  ASSERT_EQ(pages.size(), all.size());
  std::set<std::tuple<uint32_t, uint32_t, Period>> seen;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(pages[i].indicator, all[i].indicator);
    EXPECT_EQ(pages[i].region, all[i].region);
    EXPECT_EQ(pages[i].period, all[i].period);
    EXPECT_EQ(pages[i].checks.size(), all[i].checks.size());
    EXPECT_TRUE(
        seen.insert({all[i].indicator, all[i].region, all[i].period}).second);
  }
  // Every figure of the two indicators once.
  const auto preferred = Preferred();
  size_t figures = 0;
  for (const auto& [key, row] : preferred) {
    const std::string& id = d().indicators()[std::get<0>(key)].id;
    figures += id == "rd_expenditure" || id == "rd_intensity";
  }
  EXPECT_EQ(all.size(), figures);

  ReconcileRequest only = paged;
  only.discrepancies_only = true;
  const std::vector<FigureChecks> discrepant = All(only);
  const size_t expected =
      std::count_if(all.begin(), all.end(),
                    [](const FigureChecks& f) { return f.discrepant(); });
  EXPECT_EQ(discrepant.size(), expected);
  EXPECT_GT(expected, 0u);
  for (const FigureChecks& f : discrepant) EXPECT_TRUE(f.discrepant());

  ReconcileRequest sources_only = whole;
  sources_only.checks = {CheckKind::kSources};
  for (const FigureChecks& f : All(sources_only)) {
    for (const Check& c : f.checks) EXPECT_EQ(c.kind, CheckKind::kSources);
  }
}

TEST_F(ReconciliationTest, BadRequestsNameTheirField) {
  ReconcileRequest r;
  r.checks = {CheckKind::kSources, UncheckedEnum<CheckKind>::FromInt(9)};
  auto bad = core().ReconcileObservations(r);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorDetail(bad.status())->field, "checks[1]");

  r = {};
  r.filter.indicator_ids = {"no_such_indicator"};
  bad = core().ReconcileObservations(r);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kNotFound);

  r = {};
  r.page.page_size = -1;
  bad = core().ReconcileObservations(r);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorDetail(bad.status())->field, "page_size");

  r = {};
  r.page.page_size = 5;
  auto first = core().ReconcileObservations(r);
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token.empty());
  r.discrepancies_only = true;  // Another request: its token does not fit.
  r.page.page_token = first->next_page_token;
  bad = core().ReconcileObservations(r);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorDetail(bad.status())->reason, reason::kPageTokenMismatch);
}

}  // namespace
}  // namespace indicators
