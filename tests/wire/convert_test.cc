#include "server/wire/convert.h"

#include <gtest/gtest.h>

#include "server/core/load/dataset_loader.h"
#include "server/rpc/status_util.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::rpc {
namespace {

TEST(ConvertTest, ObservationCarriesUnitMultiplierQualifierAndSources) {
  auto d = LoadDataset(testing::TestDataDir());
  ASSERT_TRUE(d.ok());
  const Dataset& dataset = **d;
  bool found = false;
  for (uint32_t r = 0; r < dataset.observations().size(); ++r) {
    v1::Observation o;
    ToProto(dataset, r, &o);
    if (o.indicator_id() == "high_tech_enterprises" &&
        o.region_code() == "CN-GD" && o.period() == "2023" &&
        o.source_ids_size() == 1 && o.source_ids(0) == "SEED") {
      found = true;
      EXPECT_EQ(o.value(), 75000);
      EXPECT_EQ(o.qualifier(), v1::QUALIFIER_OVER);
      EXPECT_EQ(o.unit(), "enterprises");
      EXPECT_EQ(o.unit_multiplier(), 0);
      EXPECT_EQ(o.status(), v1::OBSERVATION_STATUS_PRELIMINARY);
      EXPECT_EQ(o.reliability(), v1::SOURCE_RELIABILITY_NEWS);
    }
  }
  EXPECT_TRUE(found);
}

TEST(ConvertTest, FilterKeepsEnumValuesWholeForTheCoreToCheck) {
  v1::ObservationFilter f;
  f.add_statuses(static_cast<v1::ObservationStatus>(257));
  f.set_min_reliability(static_cast<v1::SourceReliability>(-1));
  f.set_source_mode(static_cast<v1::SourceMode>(258));
  const ObservationFilter out = FromProto(f);
  ASSERT_EQ(out.statuses.size(), 1u);
  EXPECT_EQ(out.statuses[0].value(), 257);  // Not truncated to a byte.
  EXPECT_EQ(out.min_reliability.value(), -1);
  EXPECT_EQ(out.source_mode.value(), 258);
}

TEST(ConvertTest, FilterCopiesEveryField) {
  v1::ObservationFilter f;
  f.add_indicator_ids("rd_intensity");
  f.add_region_codes("CN");
  f.set_include_subregions(true);
  f.set_start_period("2020");
  f.set_end_period("2023-06");
  f.add_source_ids("S13");
  f.set_min_reliability(v1::SOURCE_RELIABILITY_AGGREGATOR);
  f.add_statuses(v1::OBSERVATION_STATUS_FINAL);
  f.set_latest_only(true);
  f.set_source_mode(v1::SOURCE_MODE_PREFERRED);
  const ObservationFilter out = FromProto(f);
  EXPECT_EQ(out.indicator_ids, std::vector<std::string>{"rd_intensity"});
  EXPECT_EQ(out.region_codes, std::vector<std::string>{"CN"});
  EXPECT_TRUE(out.include_subregions);
  EXPECT_EQ(out.start_period, "2020");
  EXPECT_EQ(out.end_period, "2023-06");
  EXPECT_EQ(out.source_ids, std::vector<std::string>{"S13"});
  EXPECT_EQ(out.min_reliability.value(),
            static_cast<int>(Reliability::kAggregator));
  ASSERT_EQ(out.statuses.size(), 1u);
  EXPECT_EQ(out.statuses[0].value(),
            static_cast<int>(ObservationStatus::kFinal));
  EXPECT_TRUE(out.latest_only);
  EXPECT_EQ(out.source_mode.value(), static_cast<int>(SourceMode::kPreferred));
}

TEST(ConvertTest, ProtoEnumValuesEqualTheCoreOnes) {
  EXPECT_EQ(v1::SOURCE_MODE_PREFERRED,
            static_cast<int>(SourceMode::kPreferred));
  EXPECT_EQ(v1::SOURCE_MODE_ALL, static_cast<int>(SourceMode::kAll));
  EXPECT_EQ(v1::SourceReliability_MAX,
            static_cast<int>(Reliability::kOfficial));
  EXPECT_EQ(v1::ObservationStatus_MAX,
            static_cast<int>(ObservationStatus::kEstimate));
  EXPECT_EQ(v1::RegionType_MAX, static_cast<int>(RegionType::kAggregate));
  EXPECT_EQ(v1::Qualifier_MAX, static_cast<int>(Qualifier::kNearly));
  EXPECT_EQ(v1::AGGREGATION_NONE, static_cast<int>(Aggregation::kNone));
}

TEST(StatusUtilTest, KeepsCodeAndMessage) {
  grpc::Status s = ToGrpcStatus(absl::NotFoundError("id: unknown"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "id: unknown");
  EXPECT_EQ(ToGrpcStatus(absl::InvalidArgumentError("x")).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace indicators::rpc
