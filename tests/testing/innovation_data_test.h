#ifndef INDICATORS_TESTS_TESTING_INNOVATION_DATA_TEST_H_
#define INDICATORS_TESTS_TESTING_INNOVATION_DATA_TEST_H_

// A fixture over the frozen innovation dataset (`tests/testdata/innovation`),
// loaded once per suite, for the tests of the analysis features.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "server/core/load/dataset_loader.h"
#include "server/core/service_core.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::testing {

class InnovationDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto d = LoadDataset(TestDataDir("innovation"));
    ASSERT_TRUE(d.ok()) << d.status();
    dataset_ = new std::shared_ptr<const Dataset>(*d);
  }
  static void TearDownTestSuite() {
    delete dataset_;
    dataset_ = nullptr;
  }

  static const std::shared_ptr<const Dataset>& dataset() { return *dataset_; }
  const Dataset& d() const { return **dataset_; }
  ServiceCore core() const {
    return ServiceCore(*dataset_, PageTokenCodec("k"));
  }
  const Observation& Row(uint32_t r) const { return d().observations()[r]; }

  // The one row of a figure citing `source`.
  uint32_t RowOf(const std::string& indicator, const std::string& region,
                 const std::string& period, const std::string& source) const {
    ObservationFilter f;
    f.indicator_ids = {indicator};
    f.region_codes = {region};
    f.start_period = f.end_period = period;
    f.source_ids = {source};
    auto page = core().QueryObservations(f, {});
    EXPECT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->items.size(), 1u) << indicator << " " << source;
    return page.ok() && !page->items.empty() ? page->items[0] : 0;
  }

 private:
  inline static std::shared_ptr<const Dataset>* dataset_ = nullptr;
};

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_INNOVATION_DATA_TEST_H_
