#include "server/core/dataset/period.h"

#include <gtest/gtest.h>

namespace indicators {
namespace {

TEST(PeriodTest, ParsesYearsAndMonths) {
  auto year = Period::Parse("2023");
  ASSERT_TRUE(year.ok());
  EXPECT_TRUE(year->is_year());
  EXPECT_EQ(year->ToString(), "2023");
  auto month = Period::Parse("2022-08");
  ASSERT_TRUE(month.ok());
  EXPECT_EQ(month->year(), 2022);
  EXPECT_EQ(month->month(), 8);
  EXPECT_EQ(month->ToString(), "2022-08");
}

TEST(PeriodTest, RejectsMalformedText) {
  for (const char* text : {"", "23", "20233", "2023-1", "2023-13", "2023-00",
                           "2023/01", "0999", "abcd", "2023-01-01", " 2023"}) {
    auto p = Period::Parse(text);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(PeriodTest, OrdersMonthBeforeTheYearItEnds) {
  const Period dec = Period::Month(2022, 12);
  const Period year = Period::Year(2022);
  const Period aug = Period::Month(2022, 8);
  EXPECT_LT(aug, dec);
  EXPECT_LT(dec, year);
  EXPECT_LT(year, Period::Month(2023, 1));
  EXPECT_EQ(dec.last_month_index(), year.last_month_index());
  EXPECT_EQ(year.first_month_index(),
            Period::Month(2022, 1).first_month_index());
}

}  // namespace
}  // namespace indicators
