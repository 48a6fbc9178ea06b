#include "server/wire/encoded_dataset.h"

#include <gtest/gtest.h>

#include <numeric>

#include "indicators/v1/indicator_service.pb.h"
#include "server/core/load/dataset_loader.h"
#include "server/wire/convert.h"
#include "tests/testing/byte_buffers.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::rpc {
namespace {

std::string Bytes(const grpc::ByteBuffer& buffer) {
  return testing::Flatten(buffer);
}

std::string Bytes(const absl::StatusOr<grpc::ByteBuffer>& buffer) {
  EXPECT_TRUE(buffer.ok()) << buffer.status();
  return buffer.ok() ? Bytes(*buffer) : "";
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
  // Derived rows (with their inputs) are among them, and the warnings about
  // the page follow as field 4.
  ASSERT_TRUE(dataset_->is_derived_row(rows.back()));
  const std::vector<ComparabilityWarning> warnings =
      FindWarnings(*dataset_, rows);
  ASSERT_GE(warnings.size(), 3u);
  for (const ComparabilityWarning& w : warnings) {
    ToProto(*dataset_, w, expected.add_warnings());
  }
  EXPECT_EQ(
      Bytes(encoded_->QueryPage(rows, "token", encoded_->Warnings(warnings))),
      expected.SerializeAsString());
}

TEST_F(EncodedDatasetTest, StreamBatchMatchesProtobufSerialization) {
  const std::vector<uint32_t> rows = {0, 5, 7, 400, 417};
  v1::StreamObservationsResponse expected;
  for (uint32_t row : rows)
    ToProto(*dataset_, row, expected.add_observations());
  expected.set_dataset_version(dataset_->version());
  expected.set_resume_token("resume-here");
  EXPECT_EQ(Bytes(encoded_->StreamBatch(rows, "resume-here")),
            expected.SerializeAsString());

  v1::StreamObservationsResponse empty;
  empty.set_dataset_version(dataset_->version());
  empty.set_resume_token("end");
  EXPECT_EQ(Bytes(encoded_->StreamBatch({}, "end")), empty.SerializeAsString());
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
  for (uint32_t i = 0; i < dataset_->indicators().size(); ++i) {
    ToProto(*dataset_, i, indicators.add_indicators());
  }
  indicators.set_next_page_token("t");
  indicators.set_dataset_version(dataset_->version());
  std::vector<uint32_t> all(dataset_->indicators().size());
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(Bytes(encoded_->IndicatorPage(all, "t")),
            indicators.SerializeAsString());
}

// Pages and stream messages are allocated from the response budget: the
// same bytes, charged while they live, refused when the budget is full.
TEST_F(EncodedDatasetTest, ResponsesAreChargedToTheBudgetWhileTheyLive) {
  auto budget = std::make_shared<ResponseBudget>(size_t{1} << 20);
  EncodedDataset budgeted(dataset_, budget);
  const std::vector<uint32_t> rows = AllRows();
  {
    absl::StatusOr<grpc::ByteBuffer> page = budgeted.QueryPage(rows, "t");
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(Bytes(*page), Bytes(encoded_->QueryPage(rows, "t")));
    EXPECT_GE(budget->in_use(), page->Length());
    absl::StatusOr<grpc::ByteBuffer> copy = *page;  // Shares the slice.
    page = absl::UnknownError("dropped");
    EXPECT_GT(budget->in_use(), 0u);  // The copy still holds it.
  }
  EXPECT_EQ(budget->in_use(), 0u);

  // A budget smaller than a page refuses it with RESOURCE_EXHAUSTED.
  auto tiny = std::make_shared<ResponseBudget>(1024);
  EncodedDataset starved(dataset_, tiny);
  absl::StatusOr<grpc::ByteBuffer> refused = starved.QueryPage(rows, "");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("not read yet"), std::string::npos);
  EXPECT_EQ(tiny->in_use(), 0u);
  // Small answers still fit: a one-row page.
  EXPECT_TRUE(starved.QueryPage({rows[0]}, "").ok());
  EXPECT_EQ(tiny->in_use(), 0u);
}

}  // namespace
}  // namespace indicators::rpc
