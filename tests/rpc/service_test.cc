// The service over a real socket: an in-process server on 127.0.0.1, port 0,
// called through the C++ client library.

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "grpc/health/v1/health.pb.h"
#include "server/core/load/dataset_loader.h"
#include "server/rpc/server.h"
#include "tests/testing/byte_buffers.h"
#include "tests/testing/test_server.h"

namespace indicators {
namespace {

using client::IndicatorClient;

// Calls `method` with `request` as raw bytes through a generic stub (for
// calls outside the contract's types) and returns the status and response.
std::pair<grpc::Status, std::string> CallRaw(
    std::shared_ptr<grpc::Channel> channel, const std::string& method,
    const std::string& request_bytes) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return {status, testing::Flatten(response)};
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = LoadDataset(testing::TestDataDir());
    ASSERT_TRUE(d.ok()) << d.status();
    dataset_ = *d;
    testing::TestServerOptions options;
    options.server.stream_batch_size = 7;
    options.server.drain_timeout = absl::Seconds(2);
    server_ = testing::StartTestServer(options);
    ASSERT_NE(server_, nullptr);
    channel_ = testing::Connect(*server_);
    client_ = std::make_unique<IndicatorClient>(channel_);
  }

  v1::QueryObservationsRequest Query(const std::string& region,
                                     const std::string& period) {
    v1::QueryObservationsRequest request;
    request.mutable_filter()->add_region_codes(region);
    request.mutable_filter()->set_start_period(period);
    request.mutable_filter()->set_end_period(period);
    return request;
  }

  std::shared_ptr<const Dataset> dataset_;
  std::unique_ptr<rpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<IndicatorClient> client_;
};

TEST_F(ServiceTest, BindsAFreePortOnLoopback) {
  EXPECT_GT(server_->port(), 0);
  EXPECT_EQ(server_->address().rfind("127.0.0.1:", 0), 0u);
}

TEST_F(ServiceTest, QueryReturnsTheSeedFiguresBesideOtherSources) {
  auto response = client_->QueryObservations(Query("CN-GD", "2023"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->dataset_version(), dataset_->version());
  int seed = 0, other = 0;
  for (const v1::Observation& o : response->observations()) {
    const bool is_seed = o.source_ids_size() == 1 && o.source_ids(0) == "SEED";
    (is_seed ? seed : other)++;
    if (is_seed && o.indicator_id() == "valid_invention_patents") {
      EXPECT_EQ(o.value(), 665000);
      EXPECT_EQ(o.qualifier(), v1::QUALIFIER_OVER);
    }
    if (!is_seed && o.indicator_id() == "rd_expenditure" &&
        o.status() == v1::OBSERVATION_STATUS_FINAL) {
      EXPECT_EQ(o.value(), 480.26);
      EXPECT_EQ(o.unit(), "CNY");
      EXPECT_EQ(o.unit_multiplier(), 9);
    }
  }
  EXPECT_EQ(seed, 6);
  EXPECT_GT(other, 6);
}

TEST_F(ServiceTest, CatalogCallsAnswer) {
  v1::ListIndicatorsRequest list;
  list.set_page_size(5);
  auto indicators = client_->ListIndicators(list);
  ASSERT_TRUE(indicators.ok()) << indicators.status();
  EXPECT_EQ(indicators->indicators_size(), 5);
  EXPECT_FALSE(indicators->next_page_token().empty());
  list.set_page_token(indicators->next_page_token());
  auto second = client_->ListIndicators(list);
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second->indicators(0).id(), indicators->indicators(4).id());

  v1::ListRegionsRequest regions;
  regions.set_parent_code("CN");
  regions.set_type(v1::REGION_TYPE_SPECIAL_ADMINISTRATIVE_REGION);
  auto sars = client_->ListRegions(regions);
  ASSERT_TRUE(sars.ok()) << sars.status();
  ASSERT_EQ(sars->regions_size(), 2);
  EXPECT_EQ(sars->regions(0).code(), "CN-HK");

  auto sources = client_->ListSources({});
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(sources->sources_size(), 64);

  auto region = client_->GetRegion("CN-GD");
  ASSERT_TRUE(region.ok());
  EXPECT_EQ(region->parent_code(), "CN");
  auto source = client_->GetSource("S13");
  ASSERT_TRUE(source.ok());
  EXPECT_NE(source->reliability(), v1::SOURCE_RELIABILITY_UNSPECIFIED);
  auto indicator = client_->GetIndicator("rd_expenditure_usd");
  ASSERT_TRUE(indicator.ok());
  EXPECT_EQ(indicator->unit(), "USD");

  auto info = client_->GetDatasetInfo();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->dataset().version(), dataset_->version());
  EXPECT_EQ(info->dataset().observation_count(), 416);
  EXPECT_EQ(info->dataset().coverage_size(), 16);
  EXPECT_GT(info->dataset().load_time().seconds(), 0);
}

// Vintages over the wire: what was known on a date, and a figure's history.
TEST_F(ServiceTest, KnownOnAndHistoryAnswerWhatWasKnownWhen) {
  v1::QueryObservationsRequest query;
  v1::ObservationFilter* f = query.mutable_filter();
  f->add_indicator_ids("rd_expenditure");
  f->add_region_codes("CN-GD");
  f->set_start_period("2023");
  f->set_end_period("2023");
  f->set_source_mode(v1::SOURCE_MODE_PREFERRED);
  f->set_known_on("2024-03-01");
  auto early = client_->QueryObservations(query);
  ASSERT_TRUE(early.ok()) << early.status();
  ASSERT_EQ(early->observations_size(), 1);
  EXPECT_EQ(early->observations(0).value(), 460);
  EXPECT_EQ(early->observations(0).qualifier(), v1::QUALIFIER_ABOUT);
  f->set_known_on("2025-01-01");
  auto late = client_->QueryObservations(query);
  ASSERT_TRUE(late.ok()) << late.status();
  ASSERT_EQ(late->observations_size(), 1);
  EXPECT_EQ(late->observations(0).value(), 480.26);
  EXPECT_EQ(late->observations(0).status(), v1::OBSERVATION_STATUS_FINAL);

  auto history =
      client_->GetObservationHistory("rd_expenditure", "CN-GD", "2023");
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->vintages_size(), 4);
  EXPECT_EQ(history->vintages(0).known_from(), "2024-01-23");
  EXPECT_EQ(history->vintages(0).observation().source_ids(0), "S2");
  EXPECT_EQ(history->vintages(3).known_from(), "2024-10-08");
  EXPECT_EQ(history->vintages(3).observation().value(), 480.26);
  EXPECT_EQ(history->dataset_version(), dataset_->version());

  f->set_known_on("2024-3-1");
  auto bad = client_->QueryObservations(query);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->GetObservationHistory("rd_expenditure", "XX", "2023")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ServiceTest, BadInputGetsTheRightCodeAndTheServerKeepsServing) {
  struct Case {
    std::function<absl::Status()> call;
    absl::StatusCode code;
    const char* prefix;
  };
  const Case cases[] = {
      {[&] { return client_->GetIndicator("nope").status(); },
       absl::StatusCode::kNotFound, "id: unknown indicator"},
      {[&] { return client_->GetRegion("").status(); },
       absl::StatusCode::kInvalidArgument, "code: is required"},
      {[&] {
         v1::ListSourcesRequest r;
         r.set_page_size(-3);
         return client_->ListSources(r).status();
       },
       absl::StatusCode::kInvalidArgument, "page_size"},
      {[&] {
         auto r = Query("CN-GD", "2023");
         r.mutable_filter()->set_end_period("2022");
         return client_->QueryObservations(r).status();
       },
       absl::StatusCode::kInvalidArgument, "filter.end_period"},
      {[&] {
         return client_->QueryObservations(Query("CN-GD", "23")).status();
       },
       absl::StatusCode::kInvalidArgument, "filter.start_period"},
      {[&] {
         auto r = Query("CN-GD", "2023");
         r.mutable_filter()->set_min_reliability(
             static_cast<v1::SourceReliability>(99));
         return client_->QueryObservations(r).status();
       },
       absl::StatusCode::kInvalidArgument, "filter.min_reliability"},
      {[&] {
         auto r = Query("CN-GD", "2023");
         r.set_page_token("AAAA");
         return client_->QueryObservations(r).status();
       },
       absl::StatusCode::kInvalidArgument, "page_token"},
      {[&] {
         v1::ListRegionsRequest r;
         r.set_parent_code("ZZ");
         return client_->ListRegions(r).status();
       },
       absl::StatusCode::kNotFound, "parent_code"},
      {[&] {
         v1::StreamObservationsRequest r;
         r.mutable_filter()->add_indicator_ids("nope");
         return client_->StreamObservations(r,
                                            [](const auto&) { return true; });
       },
       absl::StatusCode::kNotFound, "filter.indicator_ids[0]"},
  };
  for (const Case& c : cases) {
    absl::Status status = c.call();
    EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_EQ(status.message().rfind(c.prefix, 0), 0u) << status;
    EXPECT_TRUE(client_->GetIndicator("rd_intensity").ok());
  }
}

// Enum values travel as int32; one that would wrap to a valid value in a
// byte (256 + n) is still rejected, by the core, naming the field.
TEST_F(ServiceTest, EnumValuesOutsideTheContractAreRejectedWhole) {
  auto request = Query("CN-GD", "2023");
  request.mutable_filter()->set_source_mode(static_cast<v1::SourceMode>(258));
  absl::Status status = client_->QueryObservations(request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message().rfind("filter.source_mode: 258 is not a valid", 0),
            0u)
      << status;
  request = Query("CN-GD", "2023");
  request.mutable_filter()->set_min_reliability(
      static_cast<v1::SourceReliability>(261));
  status = client_->QueryObservations(request).status();
  EXPECT_EQ(status.message().rfind("filter.min_reliability: 261", 0), 0u)
      << status;
  v1::ListRegionsRequest regions;
  regions.set_type(static_cast<v1::RegionType>(257));
  status = client_->ListRegions(regions).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message().rfind("type: 257", 0), 0u) << status;
}

// A long value in any field that an error repeats still gets its own code,
// with a short message and details that fit a default client's 8 KiB of
// metadata (not RESOURCE_EXHAUSTED from the client's own limit).
TEST_F(ServiceTest, ErrorsAboutLongValuesFitTheClientsMetadataLimit) {
  for (size_t size : {4 * 1024, 20 * 1024, 60 * 1024}) {
    const std::string value(size, 'x');
    struct Case {
      std::string field;
      std::function<absl::Status()> call;
      absl::StatusCode code;
    };
    auto query = [&](auto set) {
      return [this, set] {
        v1::QueryObservationsRequest r;
        set(r.mutable_filter());
        return client_->QueryObservations(r).status();
      };
    };
    auto stream = [&](auto set) {
      return [this, set] {
        v1::StreamObservationsRequest r;
        set(r.mutable_filter());
        return client_->StreamObservations(r, [](const auto&) { return true; });
      };
    };
    auto indicator = [value](v1::ObservationFilter* f) {
      f->add_indicator_ids(value);
    };
    auto region = [value](v1::ObservationFilter* f) {
      f->add_region_codes(value);
    };
    auto source = [value](v1::ObservationFilter* f) {
      f->add_source_ids(value);
    };
    auto start = [value](v1::ObservationFilter* f) {
      f->set_start_period(value);
    };
    auto end = [value](v1::ObservationFilter* f) { f->set_end_period(value); };
    const Case cases[] = {
        {"id", [&] { return client_->GetIndicator(value).status(); },
         absl::StatusCode::kNotFound},
        {"code", [&] { return client_->GetRegion(value).status(); },
         absl::StatusCode::kNotFound},
        {"id", [&] { return client_->GetSource(value).status(); },
         absl::StatusCode::kNotFound},
        {"parent_code",
         [&] {
           v1::ListRegionsRequest r;
           r.set_parent_code(value);
           return client_->ListRegions(r).status();
         },
         absl::StatusCode::kNotFound},
        {"filter.indicator_ids[0]", query(indicator),
         absl::StatusCode::kNotFound},
        {"filter.region_codes[0]", query(region), absl::StatusCode::kNotFound},
        {"filter.source_ids[0]", query(source), absl::StatusCode::kNotFound},
        {"filter.start_period", query(start),
         absl::StatusCode::kInvalidArgument},
        {"filter.end_period", query(end), absl::StatusCode::kInvalidArgument},
        {"filter.indicator_ids[0]", stream(indicator),
         absl::StatusCode::kNotFound},
        {"filter.start_period", stream(start),
         absl::StatusCode::kInvalidArgument},
    };
    for (const Case& c : cases) {
      const absl::Status status = c.call();
      EXPECT_EQ(status.code(), c.code)
          << c.field << " " << size << ": " << status.message().substr(0, 200);
      EXPECT_LT(status.message().size(), 400u) << c.field;
      EXPECT_NE(status.message().find(absl::StrCat("(", size, " bytes)")),
                std::string::npos)
          << status.message();
      auto info = client::ErrorInfoOf(status);
      ASSERT_TRUE(info.has_value()) << c.field;
      EXPECT_EQ(info->metadata().at("field"), c.field);
    }
  }
}

// Strings in requests must be UTF-8 (proto3): other bytes are refused at the
// door as an invalid request, never passed on.
TEST_F(ServiceTest, RequestStringsThatAreNotUtf8AreInvalidArgument) {
  v1::GetIndicatorRequest request;
  request.set_id("rd_intensity");
  std::string bytes = request.SerializeAsString();
  bytes[bytes.size() - 1] = '\xff';  // The id's last byte.
  auto [status, response] =
      CallRaw(channel_, "/indicators.v1.IndicatorService/GetIndicator", bytes);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "request: not a valid indicators.v1.GetIndicatorRequest");
}

TEST_F(ServiceTest, BytesThatAreNotARequestAreInvalidArgument) {
  auto [status, bytes] =
      CallRaw(channel_, "/indicators.v1.IndicatorService/QueryObservations",
              "\xff\xff\xff\xff");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "request: not a valid indicators.v1.QueryObservationsRequest");
  EXPECT_TRUE(client_->GetIndicator("rd_intensity").ok());
}

// AIP-193 details: an ErrorInfo with reason and domain, and the bad field as
// a BadRequest violation, surfaced by the C++ client.
TEST_F(ServiceTest, ErrorsCarryReasonDomainAndFieldViolations) {
  struct Case {
    std::function<absl::Status()> call;
    const char* reason;
    const char* field;
  };
  v1::QueryObservationsRequest first_page;
  first_page.set_page_size(5);
  auto page = client_->QueryObservations(first_page);
  ASSERT_TRUE(page.ok());
  const Case cases[] = {
      {[&] { return client_->GetIndicator("nope").status(); },
       "UNKNOWN_INDICATOR", "id"},
      {[&] { return client_->GetRegion("XX").status(); }, "UNKNOWN_REGION",
       "code"},
      {[&] { return client_->GetSource("").status(); }, "MISSING_FIELD", "id"},
      {[&] {
         return client_->QueryObservations(Query("CN-GD", "2023-13")).status();
       },
       "INVALID_PERIOD", "filter.start_period"},
      {[&] {
         auto r = Query("CN-GD", "2023");
         r.mutable_filter()->set_start_period("2024");
         return client_->QueryObservations(r).status();
       },
       "PERIOD_OUT_OF_RANGE", "filter.end_period"},
      {[&] {
         auto r = Query("ZZ", "2023");
         return client_->QueryObservations(r).status();
       },
       "UNKNOWN_REGION", "filter.region_codes[0]"},
      {[&] {
         v1::QueryObservationsRequest r = first_page;
         r.set_page_token(page->next_page_token() + "x");
         return client_->QueryObservations(r).status();
       },
       "INVALID_PAGE_TOKEN", "page_token"},
      {[&] {
         v1::QueryObservationsRequest r = first_page;
         r.set_page_token(page->next_page_token());
         r.mutable_filter()->set_latest_only(true);
         return client_->QueryObservations(r).status();
       },
       "PAGE_TOKEN_MISMATCH", "page_token"},
      {[&] {
         v1::ListSourcesRequest r;
         r.set_page_size(-1);
         return client_->ListSources(r).status();
       },
       "INVALID_PAGE_SIZE", "page_size"},
      {[&] {
         v1::StreamObservationsRequest r;
         r.mutable_filter()->add_statuses(
             static_cast<v1::ObservationStatus>(9));
         return client_->StreamObservations(r,
                                            [](const auto&) { return true; });
       },
       "INVALID_ENUM_VALUE", "filter.statuses[0]"},
  };
  for (const Case& c : cases) {
    absl::Status status = c.call();
    ASSERT_FALSE(status.ok());
    auto info = client::ErrorInfoOf(status);
    ASSERT_TRUE(info.has_value()) << status;
    EXPECT_EQ(info->reason(), c.reason) << status;
    EXPECT_EQ(info->domain(), "indicators.v1");
    EXPECT_EQ(info->metadata().at("field"), c.field) << status;
    auto bad_request = client::BadRequestOf(status);
    ASSERT_TRUE(bad_request.has_value()) << status;
    ASSERT_EQ(bad_request->field_violations_size(), 1);
    EXPECT_EQ(bad_request->field_violations(0).field(), c.field);
    EXPECT_EQ(absl::StrCat(c.field, ": ",
                           bad_request->field_violations(0).description()),
              status.message());
  }
}

TEST_F(ServiceTest, MismatchedPageTokenIsInvalidArgument) {
  v1::QueryObservationsRequest request;
  request.set_page_size(10);
  auto first = client_->QueryObservations(request);
  ASSERT_TRUE(first.ok());
  request.set_page_token(first->next_page_token());
  request.mutable_filter()->set_latest_only(true);
  auto second = client_->QueryObservations(request);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ServiceTest, StreamDeliversEveryRowOfThePagedQueryInBatches) {
  v1::QueryObservationsRequest query;
  query.mutable_filter()->add_region_codes("CN");
  query.mutable_filter()->set_include_subregions(true);
  query.set_page_size(1000);
  auto page = client_->QueryObservations(query);
  ASSERT_TRUE(page.ok());
  ASSERT_GT(page->observations_size(), 100);

  v1::StreamObservationsRequest request;
  *request.mutable_filter() = query.filter();
  std::vector<std::string> streamed;
  int messages = 0;
  absl::Status status = client_->StreamObservations(
      request, [&](const v1::StreamObservationsResponse& m) {
        ++messages;
        EXPECT_LE(m.observations_size(), 7);
        EXPECT_EQ(m.dataset_version(), dataset_->version());
        for (const auto& o : m.observations()) {
          streamed.push_back(o.SerializeAsString());
        }
        return true;
      });
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(streamed.size(), static_cast<size_t>(page->observations_size()));
  for (int i = 0; i < page->observations_size(); ++i) {
    EXPECT_EQ(streamed[i], page->observations(i).SerializeAsString()) << i;
  }
  EXPECT_EQ(messages, (page->observations_size() + 6) / 7);
}

TEST_F(ServiceTest, EmptyStreamSendsOneMessageWithTheVersion) {
  v1::StreamObservationsRequest request;
  request.mutable_filter()->set_start_period("1990");
  request.mutable_filter()->set_end_period("1990");
  int messages = 0;
  absl::Status status = client_->StreamObservations(
      request, [&](const v1::StreamObservationsResponse& m) {
        ++messages;
        EXPECT_EQ(m.observations_size(), 0);
        EXPECT_EQ(m.dataset_version(), dataset_->version());
        return true;
      });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(messages, 1);
}

TEST_F(ServiceTest, CancelledStreamEndsAndTheServerKeepsServing) {
  int messages = 0;
  absl::Status status = client_->StreamObservations(
      {},
      [&](const v1::StreamObservationsResponse&) { return ++messages < 2; });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(messages, 2);
  EXPECT_TRUE(client_->GetDatasetInfo().ok());
}

TEST_F(ServiceTest, ExpiredDeadlineEndsTheStream) {
  client::ClientOptions options;
  options.deadline = absl::Milliseconds(1);
  IndicatorClient hurried(channel_, options);
  absl::Status status = hurried.StreamObservations(
      {}, [&](const v1::StreamObservationsResponse&) {
        absl::SleepFor(absl::Milliseconds(20));
        return true;
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_TRUE(client_->GetDatasetInfo().ok());
}

TEST_F(ServiceTest, HealthIsServingUntilDrained) {
  // The standard health service, for the whole server ("").
  auto [status, bytes] =
      CallRaw(channel_, "/grpc.health.v1.Health/Check",
              grpc::health::v1::HealthCheckRequest().SerializeAsString());
  ASSERT_TRUE(status.ok()) << status.error_message();
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(response.ParseFromString(bytes));
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  server_->Drain();
  EXPECT_EQ(client_->GetDatasetInfo().status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(ServiceTest, DrainUnderLoadFailsNoCallInFlight) {
  std::atomic<bool> drained{false};
  std::atomic<int> ok{0}, refused{0}, failed{0};
  auto count = [&](const absl::Status& s) {
    if (s.ok()) {
      ++ok;
    } else if (s.code() == absl::StatusCode::kUnavailable) {
      ++refused;  // Started after the drain began: refused, not broken.
    } else if (s.code() == absl::StatusCode::kCancelled &&
               s.message() == "CANCELLED") {
      // Arrived as the drain began but never reached a handler: gRPC cancels
      // such calls itself instead of refusing them (grpc/grpc#41785). Our
      // handlers never end a call with this bare message.
      ++refused;
    } else {
      ++failed;
      ADD_FAILURE() << "an in-flight call failed: " << s;
    }
  };
  std::vector<std::thread> load;
  for (int t = 0; t < 3; ++t) {
    load.emplace_back([&, t] {
      while (!drained) {
        if (t == 0) {
          count(client_->StreamObservations({},
                                            [](const auto&) { return true; }));
        } else {
          count(client_->QueryObservations(Query("CN-GD", "2023")).status());
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(200));
  server_->Drain();
  drained = true;
  for (auto& t : load) t.join();
  EXPECT_GT(ok.load(), 10);
  EXPECT_EQ(failed.load(), 0);
}

TEST_F(ServiceTest, DrainLetsAnInFlightStreamFinish) {
  std::atomic<int> messages{0};
  absl::Status status;
  std::thread reader([&] {
    status = client_->StreamObservations(
        {}, [&](const v1::StreamObservationsResponse&) {
          ++messages;
          absl::SleepFor(absl::Milliseconds(5));  // A slow reader.
          return true;
        });
  });
  while (messages.load() < 2) absl::SleepFor(absl::Milliseconds(1));
  const absl::Time start = absl::Now();
  server_->Drain();  // Waits for the stream, bounded by the 2 s timeout.
  reader.join();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(messages.load(),
            static_cast<int>((dataset_->observations().size() + 6) / 7));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

}  // namespace
}  // namespace indicators
