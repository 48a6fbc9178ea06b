// Bounds of hedged figures: the convention on every qualifier of the frozen
// innovation data (against an oracle that reads the figure's decimal digits),
// interval arithmetic against brute force, bounds carried through
// conversions, derived ratios, growth and aggregates, and rank ranges.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "server/core/analysis/region_ranking.h"
#include "server/core/analysis/value_conversion.h"
#include "server/core/base/interval.h"
#include "server/core/dataset/derived_indicators.h"
#include "server/core/dataset/value_bounds.h"
#include "server/core/load/dataset_loader.h"
#include "server/core/service_core.h"
#include "tests/testing/innovation_data_test.h"
#include "tests/testing/temp_dataset.h"

namespace indicators {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The oracle's rounding unit: from the figure printed with 15 significant
// digits, the place of its last nonzero digit.
double UnitFromDigits(double value) {
  std::string text = absl::StrFormat("%.15g", std::fabs(value));
  if (text.find('e') != std::string::npos) return -1;  // Not in this data.
  const size_t point = text.find('.');
  if (point != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text.find('.') != std::string::npos) {
    return std::pow(10.0, -static_cast<int>(text.size() - text.find('.') - 1));
  }
  int zeros = 0;
  while (text.size() > 1 && text.back() == '0') {
    text.pop_back();
    ++zeros;
  }
  return std::pow(10.0, zeros);
}

void ExpectBounds(const Interval& got, double lower, bool lower_open,
                  double upper, bool upper_open, const std::string& what) {
  if (std::isinf(lower)) {
    EXPECT_EQ(got.lower, lower) << what;
  } else {
    EXPECT_NEAR(got.lower, lower, 1e-9 * std::max(1.0, std::fabs(lower)))
        << what;
  }
  if (std::isinf(upper)) {
    EXPECT_EQ(got.upper, upper) << what;
  } else {
    EXPECT_NEAR(got.upper, upper, 1e-9 * std::max(1.0, std::fabs(upper)))
        << what;
  }
  EXPECT_EQ(got.lower_open, lower_open) << what;
  EXPECT_EQ(got.upper_open, upper_open) << what;
}

TEST(StatedBoundsTest, TheIssuesExamples) {
  ExpectBounds(StatedBounds(480.26, Qualifier::kExact), 480.255, false, 480.265,
               true, "exact 480.26");
  ExpectBounds(StatedBounds(460, Qualifier::kAbout), 455, false, 465, false,
               "about 460");
  ExpectBounds(StatedBounds(75000, Qualifier::kOver), 75000, true, kInf, true,
               "over 75,000");
  ExpectBounds(StatedBounds(50, Qualifier::kNearly), 40, false, 50, true,
               "nearly 50");
  ExpectBounds(StatedBounds(1, Qualifier::kUnder), 0, false, 1, true,
               "under 1");
  ExpectBounds(StatedBounds(0, Qualifier::kExact), 0, false, 0, false,
               "exact 0");
  ExpectBounds(StatedBounds(-2.5, Qualifier::kNearly), -2.5, true, -2.4, false,
               "nearly -2.5");
  EXPECT_EQ(RoundingUnit(53000), 1000);
  EXPECT_EQ(RoundingUnit(3090), 10);
  EXPECT_NEAR(RoundingUnit(7.08399842343631), 1e-14, 1e-28);
  EXPECT_EQ(RoundingUnit(kInf), 0);
}

class InnovationBoundsTest : public testing::InnovationDataTest {};

TEST_F(InnovationBoundsTest, EveryPublishedRowByItsQualifierAndDigits) {
  int by_qualifier[6] = {};
  for (uint32_t r = 0; r < d().published_observation_count(); ++r) {
    const Observation& o = Row(r);
    const double v = o.value;
    const double unit = UnitFromDigits(v);
    ASSERT_GT(unit, 0) << DescribeRow(d(), r);
    const Interval b = RowBounds(d(), r);
    const std::string what = DescribeRow(d(), r);
    ++by_qualifier[static_cast<int>(o.qualifier)];
    switch (o.qualifier) {
      case Qualifier::kExact:
        ExpectBounds(b, v - unit / 2, false, v + unit / 2, true, what);
        break;
      case Qualifier::kAbout:
        ExpectBounds(b, v - unit / 2, false, v + unit / 2, false, what);
        break;
      case Qualifier::kOver:
        ExpectBounds(b, v, true, kInf, true, what);
        break;
      case Qualifier::kUnder:
        ASSERT_GT(v, 0) << what;
        ExpectBounds(b, 0, false, v, true, what);
        break;
      case Qualifier::kNearly:
        ASSERT_GT(v, 0) << what;
        ExpectBounds(b, v - unit, false, v, true, what);
        break;
    }
    // The published value itself is inside, except "over", "under" and
    // "nearly", which exclude it.
    EXPECT_EQ(b.Contains(v), o.qualifier == Qualifier::kExact ||
                                 o.qualifier == Qualifier::kAbout)
        << what;
  }
  // The data holds every qualifier.
  for (int q = 1; q <= 5; ++q) EXPECT_GT(by_qualifier[q], 0) << q;
}

// Values inside `a`: its ends (nudged inside when open), its middle and
// random points.
std::vector<double> Samples(const Interval& a, std::mt19937* rng) {
  const double lo = a.lower_open ? std::nextafter(a.lower, kInf) : a.lower;
  const double hi = a.upper_open ? std::nextafter(a.upper, -kInf) : a.upper;
  std::vector<double> out = {lo, hi, lo + (hi - lo) / 2};
  std::uniform_real_distribution<double> u(lo, hi);
  for (int k = 0; k < 20; ++k) out.push_back(u(*rng));
  return out;
}

Interval RandomInterval(std::mt19937* rng, bool positive) {
  std::uniform_real_distribution<double> u(positive ? 0.5 : -50, 50);
  double a = u(*rng), b = u(*rng);
  if (a > b) std::swap(a, b);
  std::bernoulli_distribution open(0.5);
  return {a, b == a ? a + 1 : b, open(*rng), open(*rng)};
}

// Brute force: every sampled combination lands inside, and the computed
// ends are the extremes of the combinations of ends.
void CheckAgainstBruteForce(const Interval& a, const Interval& b,
                            double (*f)(double, double), const Interval& got,
                            std::mt19937* rng, const std::string& what) {
  double min = kInf, max = -kInf;
  for (double x : Samples(a, rng)) {
    for (double y : Samples(b, rng)) {
      const double z = f(x, y);
      EXPECT_TRUE(got.Contains(z) ||
                  std::fabs(z - got.lower) < 1e-9 * std::fabs(z) + 1e-12 ||
                  std::fabs(z - got.upper) < 1e-9 * std::fabs(z) + 1e-12)
          << what << ": " << x << ", " << y << " -> " << z << " outside "
          << ToString(got);
      min = std::min(min, z);
      max = std::max(max, z);
    }
  }
  EXPECT_NEAR(min, got.lower, 1e-9 * std::max(1.0, std::fabs(min))) << what;
  EXPECT_NEAR(max, got.upper, 1e-9 * std::max(1.0, std::fabs(max))) << what;
}

TEST(IntervalTest, ArithmeticAgreesWithBruteForce) {
  std::mt19937 rng(27);
  for (int k = 0; k < 300; ++k) {
    const Interval a = RandomInterval(&rng, false);
    const Interval b = RandomInterval(&rng, false);
    const std::string what = ToString(a) + " " + ToString(b);
    CheckAgainstBruteForce(
        a, b, [](double x, double y) { return x + y; }, a + b, &rng,
        "sum " + what);
    CheckAgainstBruteForce(
        a, b, [](double x, double y) { return x - y; }, a - b, &rng,
        "difference " + what);
    CheckAgainstBruteForce(
        a, b, [](double x, double y) { return x * y; }, a * b, &rng,
        "product " + what);
    const Interval p = RandomInterval(&rng, true);
    CheckAgainstBruteForce(
        a, p, [](double x, double y) { return x / y; }, a / p, &rng,
        "quotient " + what);
  }
}

TEST(IntervalTest, OpenEndsInfinitiesAndZeroDenominators) {
  const Interval over{300, kInf, true, true};
  const Interval exact{309.845, 309.855, false, true};
  EXPECT_FALSE(over.Disjoint(exact));  // "Over 300" allows 309.85.
  const Interval sum = over + exact;
  EXPECT_EQ(sum.lower, 300 + 309.845);
  EXPECT_TRUE(sum.lower_open);
  EXPECT_FALSE(sum.upper_bounded());
  // (300, inf) / [7, 8] = (37.5, inf).
  const Interval q = over / Interval{7, 8, false, false};
  EXPECT_EQ(q.lower, 37.5);
  EXPECT_TRUE(q.lower_open);
  EXPECT_FALSE(q.upper_bounded());
  // A denominator reaching 0: no upper bound for non-negative inputs.
  const Interval under{0, 1, false, true};
  const Interval r = Interval{2, 3, false, false} / under;
  EXPECT_EQ(r.lower, 2);
  EXPECT_TRUE(r.lower_open);  // 1 itself is excluded.
  EXPECT_FALSE(r.upper_bounded());
  EXPECT_FALSE((Interval{-1, 1, false, false} / under).lower_bounded());
  // Touching ends: [1, 2) is below [2, 3].
  EXPECT_TRUE((Interval{2, 3, false, false}).Above({1, 2, false, true}));
  EXPECT_FALSE((Interval{2, 3, false, false}).Above({1, 2, false, false}));
}

TEST_F(InnovationBoundsTest, SourcesOfGuangdong2019RdAgreeWithinBounds) {
  const Interval over =
      RowBounds(d(), RowOf("rd_expenditure", "CN-GD", "2019", "S8"));
  const Interval exact =
      RowBounds(d(), RowOf("rd_expenditure", "CN-GD", "2019", "S52"));
  EXPECT_FALSE(over.Disjoint(exact))
      << ToString(over) << " " << ToString(exact);
  EXPECT_TRUE(over.Contains(309.85));
}

// The corners of a two-input function's bounds: its extremes when it is
// monotone in each input (all of ours are, on positive inputs).
void ExpectCornersSpan(const Interval& a, const Interval& b,
                       const std::function<double(double, double)>& f,
                       const Interval& got, const std::string& what) {
  double min = kInf, max = -kInf;
  for (double x : {a.lower, a.upper}) {
    for (double y : {b.lower, b.upper}) {
      min = std::min(min, f(x, y));
      max = std::max(max, f(x, y));
    }
  }
  EXPECT_NEAR(got.lower, min, 1e-9 * std::fabs(min)) << what;
  EXPECT_NEAR(got.upper, max, 1e-9 * std::fabs(max)) << what;
}

TEST_F(InnovationBoundsTest, DerivedRatiosFromTheirInputsBounds) {
  int checked = 0, hedged = 0;
  for (uint32_t r = d().published_observation_count();
       r < d().observations().size(); ++r) {
    const auto& inputs = d().inputs_of(r);
    const Observation& n = Row(inputs[0]);
    const Observation& m = Row(inputs[1]);
    const RatioRule& rule = *d().derivation_of_indicator(Row(r).indicator).rule;
    const int32_t nm = d().indicators()[n.indicator].unit_multiplier;
    const int32_t dm = d().indicators()[m.indicator].unit_multiplier;
    const Interval a = StatedBounds(n.value, n.qualifier);
    const Interval b = StatedBounds(m.value, m.qualifier);
    if (n.qualifier != Qualifier::kExact || m.qualifier != Qualifier::kExact) {
      ++hedged;
    }
    if (!a.upper_bounded() || b.lower <= 0) {
      // "Over" a numerator, or a denominator that reaches 0: no ceiling.
      EXPECT_FALSE(RowBounds(d(), r).upper_bounded()) << DescribeRow(d(), r);
      continue;
    }
    ExpectCornersSpan(
        a, b,
        [&](double x, double y) {
          return *RatioValue(x, nm, y, dm, rule.scale, rule.unit_multiplier);
        },
        RowBounds(d(), r), DescribeRow(d(), r));
    EXPECT_TRUE(RowBounds(d(), r).Contains(Row(r).value))
        << DescribeRow(d(), r);
    ++checked;
    // The same inputs hedged each way (the data's derived inputs are exact).
    for (Qualifier q :
         {Qualifier::kAbout, Qualifier::kNearly, Qualifier::kUnder}) {
      const Interval hedged_numerator = StatedBounds(n.value, q);
      const Interval hedged_denominator = StatedBounds(m.value, q);
      if (hedged_denominator.lower <= 0) continue;
      ExpectCornersSpan(
          hedged_numerator, hedged_denominator,
          [&](double x, double y) {
            return *RatioValue(x, nm, y, dm, rule.scale, rule.unit_multiplier);
          },
          RatioBounds(hedged_numerator, nm, hedged_denominator, dm, rule.scale,
                      rule.unit_multiplier),
          DescribeRow(d(), r));
      ++hedged;
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_GT(hedged, 100);
}

TEST_F(InnovationBoundsTest, DollarsOfAHedgedFigureUseTheRatesBoundsToo) {
  const uint32_t about =
      RowOf("rd_expenditure", "CN-GD", "2023", "S2");  // About 460.
  ValueOptions usd;
  usd.currency = "USD";
  usd.include_bounds = true;
  auto shown = ShowRows(d(), {about}, usd);
  ASSERT_TRUE(shown.ok()) << shown.status();
  const ExpressedValue& v = shown->expressed->values.at(0);
  ASSERT_TRUE(v.bounds.has_value());
  const Interval rate = RowBounds(d(), *v.rate_row);
  ExpectCornersSpan(
      {455, 465, false, false}, rate, [](double x, double y) { return x / y; },
      *v.bounds, "USD");
  EXPECT_TRUE(v.bounds->Contains(v.value));
  // In 10^8 yuan: the bounds scale with the value.
  ValueOptions yi;
  yi.unit_multiplier = 8;
  yi.include_bounds = true;
  auto scaled = ShowRows(d(), {about}, yi);
  ASSERT_TRUE(scaled.ok());
  ExpectBounds(*scaled->expressed->values[0].bounds, 4550, false, 4650, false,
               "10^8 yuan");
  // Without asking, no bounds.
  usd.include_bounds = false;
  EXPECT_FALSE(ShowRows(d(), {about}, usd)->expressed->values[0].bounds);
}

TEST_F(InnovationBoundsTest, GrowthOfHedgedFiguresByBruteForce) {
  ValueOptions growth;
  growth.transform = ValueTransform::kGrowth;
  growth.include_bounds = true;
  const uint32_t row = RowOf("high_tech_enterprises", "CN-GD", "2022", "S3");
  auto shown = ShowRows(d(), {row}, growth);
  ASSERT_TRUE(shown.ok()) << shown.status();
  const ExpressedValue& v = shown->expressed->values.at(0);
  ASSERT_TRUE(v.previous_row.has_value());
  const Interval now = RowBounds(d(), row);
  const Interval before = RowBounds(d(), *v.previous_row);
  ExpectCornersSpan(
      now, before, [](double x, double y) { return (x / y - 1) * 100; },
      *v.bounds, "growth");
  EXPECT_TRUE(v.bounds->Contains(v.value) || !before.upper_bounded());
}

TEST_F(InnovationBoundsTest, AggregatesAddTheirInputsBounds) {
  AggregateRequest request;
  request.indicator_id = "rd_expenditure";
  request.parent_region_code = "CN";
  request.start_period = request.end_period = "2023";
  auto sums = core().AggregateObservations(request);
  ASSERT_TRUE(sums.ok()) << sums.status();
  ASSERT_EQ(sums->periods.size(), 1u);
  const RegionalAggregate& a = sums->periods[0];
  double lower = 0, upper = 0;
  for (const auto& [role, row] : a.inputs) {
    lower += RowBounds(d(), row).lower;
    upper += RowBounds(d(), row).upper;
  }
  EXPECT_NEAR(a.bounds.lower, lower, 1e-9 * lower);
  EXPECT_NEAR(a.bounds.upper, upper, 1e-9 * upper);
  EXPECT_TRUE(a.bounds.Contains(a.value));

  request.indicator_id = "rd_intensity";
  auto ratio = core().AggregateObservations(request);
  ASSERT_TRUE(ratio.ok()) << ratio.status();
  const RegionalAggregate& r = ratio->periods.at(0);
  EXPECT_TRUE(r.bounds.Contains(r.value))
      << ToString(r.bounds) << " " << r.value;
  EXPECT_LT(r.bounds.lower, r.value);
  EXPECT_GT(r.bounds.upper, r.value);
}

TEST(RankRangesTest, ExactPointsRankAsAPlainSort) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> value(0, 40);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Interval> bounds;
    std::vector<double> values;
    for (int k = 0; k < 12; ++k) {
      values.push_back(value(rng));
      bounds.push_back(Interval::Point(values.back()));
    }
    const std::vector<RankRange> ranks = RankRanges(bounds, false);
    for (size_t i = 0; i < values.size(); ++i) {
      // A plain sort: larger values first; equal values share their places.
      int larger = 0, equal = 0;
      for (double w : values) {
        larger += w > values[i];
        equal += w == values[i];
      }
      EXPECT_EQ(ranks[i].best, larger + 1);
      EXPECT_EQ(ranks[i].worst, larger + equal);
    }
    const std::vector<RankRange> up = RankRanges(bounds, true);
    for (size_t i = 0; i < values.size(); ++i) {
      int smaller = 0;
      for (double w : values) smaller += w < values[i];
      EXPECT_EQ(up[i].best, smaller + 1);
    }
  }
}

TEST(RankRangesTest, OverlappingBoundsShareARange) {
  // First for certain; then two that overlap (3rd-4th... here 2nd-3rd); last.
  const std::vector<Interval> bounds = {
      {100, 101, false, true},
      {40, 60, false, false},
      {55, kInf, true, true},  // "over 55"
      {1, 2, false, true},
  };
  const std::vector<RankRange> ranks = RankRanges(bounds, false);
  EXPECT_EQ(ranks[0].best, 1);
  EXPECT_EQ(ranks[0].worst, 2);  // "Over 55" could be above 101.
  EXPECT_EQ(ranks[1].best, 2);
  EXPECT_EQ(ranks[1].worst, 3);
  EXPECT_EQ(ranks[2].best, 1);
  EXPECT_EQ(ranks[2].worst, 3);
  EXPECT_EQ(ranks[3].best, 4);
  EXPECT_EQ(ranks[3].worst, 4);
}

TEST_F(InnovationBoundsTest, ProvincesRankedByRdExpenditure) {
  RankRequest request;
  request.indicator_id = "rd_expenditure";
  request.parent_region_code = "CN";
  request.period = "2023";
  auto ranking = core().RankRegions(request);
  ASSERT_TRUE(ranking.ok()) << ranking.status();
  ASSERT_GT(ranking->regions.size(), 25u);
  EXPECT_EQ(d().regions()[ranking->regions[0].region].code, "CN-GD");
  EXPECT_EQ(ranking->regions[0].rank.best, 1);
  EXPECT_EQ(ranking->regions[0].rank.worst, 1);
  // Brute-force oracle of each range from the bounds.
  const size_t n = ranking->regions.size();
  for (size_t i = 0; i < n; ++i) {
    const RankedRegion& r = ranking->regions[i];
    EXPECT_EQ(r.row, *d().preferred_row(ranking->indicator, r.region,
                                        ranking->period));
    int ahead = 0, behind = 0;
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const Interval& o = ranking->regions[j].bounds;
      ahead +=
          o.lower > r.bounds.upper ||
          (o.lower == r.bounds.upper && (o.lower_open || r.bounds.upper_open));
      behind +=
          r.bounds.lower > o.upper ||
          (r.bounds.lower == o.upper && (r.bounds.lower_open || o.upper_open));
    }
    EXPECT_EQ(r.rank.best, ahead + 1);
    EXPECT_EQ(r.rank.worst, static_cast<int>(n) - behind);
    EXPECT_LE(r.rank.best, static_cast<int>(i) + 1);
    EXPECT_GE(r.rank.worst, static_cast<int>(i) + 1);
  }
  for (const auto& [i, j] : ranking->undetermined) {
    EXPECT_LT(i, j);
    EXPECT_FALSE(
        ranking->regions[i].bounds.Disjoint(ranking->regions[j].bounds));
  }

  request.parent_region_code.clear();
  auto missing = core().RankRegions(request);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  request.region_codes = {"CN-GD", "XX"};
  EXPECT_EQ(core().RankRegions(request).status().code(),
            absl::StatusCode::kNotFound);
  request.region_codes = {"CN-GD"};
  request.period = "20x3";
  EXPECT_EQ(core().RankRegions(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(InnovationBoundsTest, HedgedFiguresShareRankRanges) {
  RankRequest request;
  request.indicator_id = "high_tech_enterprises";
  request.region_codes = {"CN", "CN-GD"};
  request.period = "2023";
  auto ranking = core().RankRegions(request);
  ASSERT_TRUE(ranking.ok()) << ranking.status();
  ASSERT_EQ(ranking->regions.size(), 2u);
  // Over 460,000 against over 75,000: China above Guangdong is not certain
  // from "over" alone, so both ranks are 1-2.
  EXPECT_EQ(d().regions()[ranking->regions[0].region].code, "CN");
  EXPECT_EQ(ranking->regions[0].rank.best, 1);
  EXPECT_EQ(ranking->regions[0].rank.worst, 2);
  EXPECT_EQ(ranking->regions[1].rank.best, 1);
  EXPECT_EQ(ranking->undetermined.size(), 1u);
}

}  // namespace
}  // namespace indicators
