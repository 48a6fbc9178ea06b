// The column export: the same rows as the row stream for every kind of
// filter, each dictionary entry once per stream, resume tokens shared with
// the row stream, referenced and copied batches alike, and a decoder that
// refuses a bad batch.

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "client/cpp/indicator_client.h"
#include "client/cpp/observation_columns.h"
#include "indicators/v1/indicator_service.pb.h"
#include "server/core/load/dataset_loader.h"
#include "server/rpc/handlers.h"
#include "server/wire/encoded_columns.h"
#include "tests/testing/byte_buffers.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/test_server.h"

namespace indicators {
namespace {

using client::IndicatorClient;
using client::ObservationColumnsDecoder;
using google::protobuf::util::MessageDifferencer;

// Rows per column batch with a stream batch size of 7.
constexpr uint32_t kBatch = rpc::kColumnBatchFactor * 7;

std::string Bytes(const grpc::ByteBuffer& buffer) {
  return testing::Flatten(buffer);
}

class ColumnExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = LoadDataset(testing::TestDataDir("innovation"));
    ASSERT_TRUE(d.ok()) << d.status();
    dataset_ = *d;
    testing::TestServerOptions options;
    options.data_dir = testing::TestDataDir("innovation");
    options.server.stream_batch_size = 7;
    server_ = testing::StartTestServer(options);
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<IndicatorClient>(testing::Connect(*server_));
  }

  // The rows of the row stream, without the derivations' inputs (which the
  // column export leaves to the row RPCs).
  std::vector<v1::Observation> RowStream(const v1::ObservationFilter& filter,
                                         const std::string& token = "") {
    v1::StreamObservationsRequest request;
    *request.mutable_filter() = filter;
    request.set_resume_token(token);
    std::vector<v1::Observation> rows;
    absl::Status status = client_->StreamObservations(
        request, [&](const v1::StreamObservationsResponse& m) {
          for (const v1::Observation& o : m.observations()) {
            rows.push_back(o);
            rows.back().clear_derivation();
          }
          return true;
        });
    EXPECT_TRUE(status.ok()) << status;
    return rows;
  }

  // The rows of the column export, decoded; `messages` gets each message.
  std::vector<v1::Observation> ColumnStream(
      const v1::ObservationFilter& filter, const std::string& token = "",
      std::vector<v1::StreamObservationColumnsResponse>* messages = nullptr) {
    v1::StreamObservationColumnsRequest request;
    *request.mutable_filter() = filter;
    request.set_resume_token(token);
    ObservationColumnsDecoder decoder;
    std::vector<v1::Observation> rows;
    absl::Status status = client_->StreamObservationColumns(
        request, [&](const v1::StreamObservationColumnsResponse& m) {
          EXPECT_EQ(m.dataset_version(), dataset_->version());
          EXPECT_LE(m.columns().row_count(), kBatch);
          if (messages != nullptr) messages->push_back(m);
          absl::Status decoded = decoder.Decode(m, &rows);
          EXPECT_TRUE(decoded.ok()) << decoded;
          return decoded.ok();
        });
    EXPECT_TRUE(status.ok()) << status;
    return rows;
  }

  static void ExpectSameRows(const std::vector<v1::Observation>& expected,
                             const std::vector<v1::Observation>& actual) {
    ASSERT_EQ(expected.size(), actual.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(expected[i], actual[i]))
          << i << ": " << expected[i].ShortDebugString() << " vs "
          << actual[i].ShortDebugString();
    }
  }

  std::shared_ptr<const Dataset> dataset_;
  std::unique_ptr<rpc::Server> server_;
  std::unique_ptr<IndicatorClient> client_;
};

TEST_F(ColumnExportTest, EveryKindOfFilterGivesTheRowStreamsRows) {
  std::vector<v1::ObservationFilter> filters(8);
  filters[1].add_indicator_ids("rd_intensity");
  filters[1].add_indicator_ids("rd_intensity_derived");  // Derived rows.
  filters[1].add_region_codes("CN-GD");
  filters[2].set_source_mode(v1::SOURCE_MODE_PREFERRED);  // Short runs.
  filters[3].set_start_period("2019");
  filters[3].set_end_period("2021");
  filters[4].add_source_ids("S1");
  filters[5].set_latest_only(true);
  filters[6].add_statuses(v1::OBSERVATION_STATUS_ESTIMATE);
  filters[7].add_region_codes("CN");
  filters[7].set_include_subregions(true);
  filters[7].add_indicator_ids("gdp");
  for (const v1::ObservationFilter& filter : filters) {
    SCOPED_TRACE(filter.ShortDebugString());
    const std::vector<v1::Observation> rows = RowStream(filter);
    ASSERT_FALSE(rows.empty());
    ExpectSameRows(rows, ColumnStream(filter));
  }
  // Derived rows say so through their indicator's entry.
  const std::vector<v1::Observation> derived = ColumnStream(filters[1]);
  EXPECT_TRUE(std::any_of(derived.begin(), derived.end(),
                          [](const auto& o) { return o.derived(); }));
  EXPECT_TRUE(std::any_of(derived.begin(), derived.end(),
                          [](const auto& o) { return !o.derived(); }));
}

TEST_F(ColumnExportTest, EachDictionaryEntryComesOncePerStreamBeforeItsUse) {
  std::vector<v1::StreamObservationColumnsResponse> messages;
  const std::vector<v1::Observation> rows = ColumnStream({}, "", &messages);
  ASSERT_GT(messages.size(), 10u);
  std::set<uint32_t> regions, notes, sets;
  for (const auto& m : messages) {
    for (const auto& e : m.dictionaries().regions()) {
      EXPECT_TRUE(regions.insert(e.code()).second) << "region " << e.value();
    }
    for (const auto& e : m.dictionaries().notes()) {
      EXPECT_TRUE(notes.insert(e.code()).second) << "note " << e.value();
    }
    for (const auto& e : m.dictionaries().source_sets()) {
      EXPECT_TRUE(sets.insert(e.code()).second);
    }
  }
  // Every region with an observation, once; not one more.
  std::set<std::string> used;
  for (const v1::Observation& o : rows) used.insert(o.region_code());
  EXPECT_EQ(regions.size(), used.size());
  EXPECT_EQ(messages.back().resume_token().empty(), false);
}

TEST_F(ColumnExportTest, ATokenOfEitherStreamResumesTheOther) {
  const std::vector<v1::Observation> all = RowStream({});
  // The first three column batches, then the row stream from their token.
  v1::StreamObservationColumnsRequest request;
  ObservationColumnsDecoder decoder;
  std::vector<v1::Observation> rows;
  std::string token;
  int messages = 0;
  absl::Status status = client_->StreamObservationColumns(
      request, [&](const v1::StreamObservationColumnsResponse& m) {
        EXPECT_TRUE(decoder.Decode(m, &rows).ok());
        token = m.resume_token();
        return ++messages < 3;
      });
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
  ASSERT_EQ(rows.size(), 3u * kBatch);
  for (v1::Observation& o : RowStream({}, token)) rows.push_back(o);
  ExpectSameRows(all, rows);

  // The first row batch, then the columns from its token.
  v1::StreamObservationsRequest row_request;
  std::vector<v1::Observation> mixed;
  status = client_->StreamObservations(
      row_request, [&](const v1::StreamObservationsResponse& m) {
        for (const auto& o : m.observations()) mixed.push_back(o);
        token = m.resume_token();
        return false;
      });
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
  ASSERT_EQ(mixed.size(), 7u);
  for (v1::Observation& o : ColumnStream({}, token)) mixed.push_back(o);
  ExpectSameRows(all, mixed);
}

TEST_F(ColumnExportTest, AnEmptyResultIsOneMessageWithTheVersion) {
  v1::ObservationFilter filter;
  filter.set_start_period("1990");
  filter.set_end_period("1990");
  std::vector<v1::StreamObservationColumnsResponse> messages;
  EXPECT_TRUE(ColumnStream(filter, "", &messages).empty());
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].columns().row_count(), 0u);
  EXPECT_EQ(messages[0].columns().regions().width(), 1u);
}

TEST_F(ColumnExportTest, AFilterErrorIsTheRowStreamsError) {
  v1::StreamObservationColumnsRequest request;
  request.mutable_filter()->add_indicator_ids("no_such_indicator");
  absl::Status status = client_->StreamObservationColumns(
      request, [](const auto&) { return true; });
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_NE(status.message().find("filter.indicator_ids[0]"),
            std::string::npos);
  request.clear_filter();
  request.set_resume_token("garbage");
  status = client_->StreamObservationColumns(request,
                                             [](const auto&) { return true; });
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
}

// Batches of a few long runs reference the columns; of many short ones, are
// copied. Both are the bytes protobuf's serializer writes for the message.
TEST(EncodedColumnsTest, ReferencedAndCopiedBatchesAreTheSameBytes) {
  auto d = LoadDataset(testing::TestDataDir("innovation"));
  ASSERT_TRUE(d.ok()) << d.status();
  auto columns = std::make_shared<rpc::EncodedColumns>(*d);
  ASSERT_GE((*d)->observations().size(), 100u);
  const std::vector<RowRun> one_run = {{10, 60}};
  std::vector<RowRun> short_runs;
  for (uint32_t r = 10; r < 60; r += 2) short_runs.push_back({r, r + 2});
  ASSERT_GT(short_runs.size(), 16u);

  rpc::EncodedColumns::SentEntries sent_a(*columns), sent_b(*columns);
  auto referenced = columns->Batch(one_run, &sent_a, "token");
  auto copied = columns->Batch(short_runs, &sent_b, "token");
  ASSERT_TRUE(referenced.ok() && copied.ok());
  EXPECT_GT(referenced->Length(), 0u);
  const std::string bytes = Bytes(*referenced);
  EXPECT_EQ(bytes, Bytes(*copied));
  v1::StreamObservationColumnsResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.SerializeAsString(), bytes);
  EXPECT_EQ(parsed.columns().row_count(), 50u);
  EXPECT_EQ(parsed.columns().values().size(), 50u * 8);
  EXPECT_EQ(parsed.resume_token(), "token");
  EXPECT_EQ(parsed.dataset_version(), (*d)->version());
  EXPECT_GT(parsed.dictionaries().indicators_size(), 0);

  // The same rows again on the same stream: no entry is sent twice.
  auto again = columns->Batch(one_run, &sent_a, "token");
  ASSERT_TRUE(again.ok());
  v1::StreamObservationColumnsResponse second;
  ASSERT_TRUE(second.ParseFromString(Bytes(*again)));
  EXPECT_FALSE(second.has_dictionaries());

  // A referenced batch outlives the columns and the dataset (ASan checks).
  rpc::EncodedColumns::SentEntries sent_c(*columns);
  auto kept = columns->Batch(one_run, &sent_c, "");
  ASSERT_TRUE(kept.ok());
  columns.reset();
  d->reset();
  EXPECT_EQ(Bytes(*kept).size(), kept->Length());
}

TEST(ObservationColumnsDecoderTest, RefusesABadBatchAndKeepsNothingOfIt) {
  v1::StreamObservationColumnsResponse m;
  auto* e = m.mutable_dictionaries()->add_indicators();
  e->set_code(0);
  e->set_id("gdp");
  for (auto* d : {m.mutable_dictionaries()->add_regions(),
                  m.mutable_dictionaries()->add_periods(),
                  m.mutable_dictionaries()->add_notes()}) {
    d->set_code(0);
    d->set_value("x");
  }
  auto* set = m.mutable_dictionaries()->add_source_sets();
  set->set_code(0);
  set->add_source_ids("S1");
  v1::ObservationColumns* c = m.mutable_columns();
  c->set_row_count(2);
  for (v1::CodeColumn* column :
       {c->mutable_indicators(), c->mutable_regions(), c->mutable_periods(),
        c->mutable_source_sets(), c->mutable_notes()}) {
    column->set_width(1);
    column->set_codes(std::string(2, '\0'));
  }
  c->set_values(std::string(16, '\0'));
  c->set_qualifiers("\1\1");
  c->set_statuses("\1\1");
  c->set_reliabilities("\5\5");

  ObservationColumnsDecoder good;
  std::vector<v1::Observation> rows;
  ASSERT_TRUE(good.Decode(m, &rows).ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].indicator_id(), "gdp");
  EXPECT_EQ(rows[1].source_ids(0), "S1");

  auto refused =
      [&](std::function<void(v1::StreamObservationColumnsResponse*)> spoil,
          const std::string& says) {
        v1::StreamObservationColumnsResponse bad = m;
        spoil(&bad);
        ObservationColumnsDecoder decoder;
        std::vector<v1::Observation> out(1);
        absl::Status status = decoder.Decode(bad, &out);
        EXPECT_TRUE(absl::IsDataLoss(status)) << status;
        EXPECT_NE(status.message().find(says), std::string::npos) << status;
        EXPECT_EQ(out.size(), 1u);
      };
  refused(
      [](auto* b) {
        b->mutable_columns()->mutable_regions()->set_codes(
            std::string("\1\0", 2));
      },
      "columns.regions: row 0 has code 1");
  refused(
      [](auto* b) { b->mutable_columns()->mutable_periods()->set_width(3); },
      "columns.periods.width: 3");
  refused([](auto* b) { b->mutable_columns()->set_values("short"); },
          "columns.values: 5 bytes for 2 rows");
  refused([](auto* b) { b->mutable_columns()->set_row_count(1000000); },
          "columns.indicators.codes");
}

}  // namespace
}  // namespace indicators
