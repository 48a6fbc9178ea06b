#include "server/rpc/convert.h"

#include <gtest/gtest.h>

#include "server/core/dataset_loader.h"
#include "server/rpc/status_util.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::rpc {
namespace {

TEST(ConvertTest, ObservationCarriesUnitMultiplierQualifierAndSources) {
  auto d = LoadDataset(testing::BundledDataDir());
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

TEST(ConvertTest, FilterRejectsEnumValuesOutsideTheContract) {
  v1::ObservationFilter f;
  f.add_statuses(static_cast<v1::ObservationStatus>(7));
  auto out = FromProto(f);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message().rfind("filter.statuses[0]: 7", 0), 0u);

  f.Clear();
  f.add_statuses(v1::OBSERVATION_STATUS_UNSPECIFIED);
  EXPECT_EQ(FromProto(f).status().code(), absl::StatusCode::kInvalidArgument);

  f.Clear();
  f.set_min_reliability(static_cast<v1::SourceReliability>(-1));
  EXPECT_EQ(FromProto(f).status().code(), absl::StatusCode::kInvalidArgument);

  f.Clear();
  f.set_source_mode(static_cast<v1::SourceMode>(3));
  EXPECT_EQ(FromProto(f).status().message().rfind("filter.source_mode", 0), 0u);

  EXPECT_EQ(FromProto(static_cast<v1::RegionType>(42)).status().code(),
            absl::StatusCode::kInvalidArgument);
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
  auto out = FromProto(f);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->indicator_ids, std::vector<std::string>{"rd_intensity"});
  EXPECT_EQ(out->region_codes, std::vector<std::string>{"CN"});
  EXPECT_TRUE(out->include_subregions);
  EXPECT_EQ(out->start_period, "2020");
  EXPECT_EQ(out->end_period, "2023-06");
  EXPECT_EQ(out->source_ids, std::vector<std::string>{"S13"});
  EXPECT_EQ(out->min_reliability, Reliability::kAggregator);
  EXPECT_EQ(out->statuses,
            std::vector<ObservationStatus>{ObservationStatus::kFinal});
  EXPECT_TRUE(out->latest_only);
  EXPECT_EQ(out->source_mode, SourceMode::kPreferred);
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
