// The dataset bundled in data/: it loads under every rule of the loader and
// still serves the seed report's six Guangdong 2023 figures exactly. The only
// test that reads data/; every other test uses tests/testdata/.

#include <gtest/gtest.h>

#include "server/core/load/dataset_loader.h"
#include "server/core/service_core.h"
#include "tests/testing/seed_figures.h"
#include "tests/testing/temp_dataset.h"

namespace indicators {
namespace {

TEST(BundledDataTest, LoadsAndServesTheSeedFiguresExactly) {
  auto dataset = LoadDataset(testing::BundledDataDir());
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ServiceCore core(*dataset, PageTokenCodec("k"));
  for (const testing::SeedFigure& seed : testing::SeedFigures()) {
    ObservationFilter f;
    f.indicator_ids = {seed.indicator};
    f.region_codes = {"CN-GD"};
    f.start_period = "2023";
    f.end_period = "2023";
    f.source_ids = {"SEED"};
    auto page = core.QueryObservations(f, {});
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->items.size(), 1u) << seed.indicator;
    const Observation& o = (*dataset)->observations()[page->items[0]];
    EXPECT_EQ(o.value, seed.value) << seed.indicator;
    EXPECT_EQ(o.qualifier, seed.qualifier) << seed.indicator;
    EXPECT_EQ(o.period.ToString(), "2023");
  }
}

}  // namespace
}  // namespace indicators
