#include "server/rpc/encoded_dataset.h"

#include <gtest/gtest.h>

#include <numeric>

#include "indicators/v1/indicator_service.pb.h"
#include "server/core/dataset_loader.h"
#include "server/rpc/convert.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::rpc {
namespace {

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

class EncodedDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TempDataset data;
    // Cover a negative multiplier, a zero value and a multi-line quoted note.
    data.Write("indicators.csv",
               data.Read("indicators.csv") + "tiny,Tiny,m,-3,d,sum\n");
    data.Write("observations.csv",
               data.Read("observations.csv") +
                   "tiny,CN,2020-02,0,exact,final,S1;S2,\"two\nlines\"\n"
                   "tiny,CN,2021,-1.5,under,estimate,S13,\n");
    auto d = LoadDataset(data.dir());
    ASSERT_TRUE(d.ok()) << d.status();
    dataset_ = *d;
    encoded_ = std::make_unique<EncodedDataset>(dataset_);
  }

  std::vector<uint32_t> AllRows() const {
    std::vector<uint32_t> rows(dataset_->observations().size());
    std::iota(rows.begin(), rows.end(), 0);
    return rows;
  }

  std::shared_ptr<const Dataset> dataset_;
  std::unique_ptr<EncodedDataset> encoded_;
};

// The fast encoder must produce exactly protobuf's own bytes.
TEST_F(EncodedDatasetTest, QueryPageMatchesProtobufSerialization) {
  const std::vector<uint32_t> rows = AllRows();
  v1::QueryObservationsResponse expected;
  for (uint32_t row : rows)
    ToProto(*dataset_, row, expected.add_observations());
  expected.set_next_page_token("token");
  expected.set_dataset_version(dataset_->version());
  EXPECT_EQ(Bytes(encoded_->QueryPage(rows, "token")),
            expected.SerializeAsString());
}

TEST_F(EncodedDatasetTest, StreamBatchMatchesProtobufSerialization) {
  const std::vector<uint32_t> rows = {0, 5, 7, 400, 417};
  v1::StreamObservationsResponse expected;
  for (uint32_t row : rows)
    ToProto(*dataset_, row, expected.add_observations());
  expected.set_dataset_version(dataset_->version());
  EXPECT_EQ(Bytes(encoded_->StreamBatch(rows)), expected.SerializeAsString());

  v1::StreamObservationsResponse empty;
  empty.set_dataset_version(dataset_->version());
  EXPECT_EQ(Bytes(encoded_->StreamBatch({})), empty.SerializeAsString());
}

TEST_F(EncodedDatasetTest, CatalogMatchesProtobufSerialization) {
  v1::ListRegionsResponse regions;
  std::vector<uint32_t> items = {0, 3, 9};
  for (uint32_t i : items)
    ToProto(dataset_->regions()[i], regions.add_regions());
  regions.set_dataset_version(dataset_->version());
  EXPECT_EQ(Bytes(encoded_->RegionPage(items, "")),
            regions.SerializeAsString());

  v1::Indicator indicator;
  ToProto(dataset_->indicators()[2], &indicator);
  EXPECT_EQ(Bytes(encoded_->Indicator(2)), indicator.SerializeAsString());
  v1::Source source;
  ToProto(dataset_->sources()[4], &source);
  EXPECT_EQ(Bytes(encoded_->Source(4)), source.SerializeAsString());

  v1::ListIndicatorsResponse indicators;
  for (const auto& i : dataset_->indicators())
    ToProto(i, indicators.add_indicators());
  indicators.set_next_page_token("t");
  indicators.set_dataset_version(dataset_->version());
  std::vector<uint32_t> all(dataset_->indicators().size());
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(Bytes(encoded_->IndicatorPage(all, "t")),
            indicators.SerializeAsString());
}

}  // namespace
}  // namespace indicators::rpc
