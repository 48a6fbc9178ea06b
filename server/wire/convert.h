#ifndef INDICATORS_SERVER_WIRE_CONVERT_H_
#define INDICATORS_SERVER_WIRE_CONVERT_H_

// Every conversion between the core's types and the indicators.v1 messages.

#include "absl/status/statusor.h"
#include "indicators/v1/indicator_service.pb.h"
#include "indicators/v1/resources.pb.h"
#include "server/core/change/ingest_batch.h"
#include "server/core/change/reload_outcome.h"
#include "server/core/dataset/dataset.h"
#include "server/core/query/observation_query.h"
#include "server/core/query/recorded_history.h"
#include "server/core/service_core.h"

namespace indicators::rpc {

void ToProto(const Indicator& in, v1::Indicator* out);
void ToProto(const Region& in, v1::Region* out);
void ToProto(const Source& in, v1::Source* out);
// Converts indicator `index` of `dataset`, with its derivation if derived.
void ToProto(const Dataset& dataset, uint32_t index, v1::Indicator* out);
// Converts observation row `row` of `dataset`; a derived row with its
// formula and input observations.
void ToProto(const Dataset& dataset, uint32_t row, v1::Observation* out);
// Sets only the fields that mark derived row `row` (`derived`, `derivation`).
void DerivedFieldsToProto(const Dataset& dataset, uint32_t row,
                          v1::Observation* out);
// Converts a row as expressed on request (converted value, rate, growth).
void ToProto(const Dataset& dataset, const ExpressedValue& in,
             v1::Observation* out);
// Converts a warning; its rows name figures of `dataset`.
void ToProto(const Dataset& dataset, const ComparabilityWarning& in,
             v1::ComparabilityWarning* out);
void ToProto(const Aggregates& in, v1::AggregateObservationsResponse* out);
void ToProto(const Ranking& in, v1::RankRegionsResponse* out);
void ToProto(const ReconciledFigures& in,
             v1::ReconcileObservationsResponse* out);
// An infinite end is left unset (and exclusive).
void ToProto(const Interval& in, v1::ValueBounds* out);
void ToProto(const Dataset& dataset, const SearchHit& in,
             v1::SearchResult* out);
void ToProto(const Dataset& dataset, v1::DatasetInfo* out);
void ToProto(const ReloadOutcome& in, v1::ReloadOutcome* out);
void ToProto(const History& in, v1::GetObservationHistoryResponse* out);
// Adds what a store recorded about the figure to `out` (from `ToProto` of
// the served history): when and in which revision each current value was
// recorded, and the values revised or withdrawn since, each described with
// the served catalog (unit, reliability, known from); then orders the values
// by known-from day (none last) and revision.
void AddRecorded(const Dataset& dataset,
                 const std::vector<RecordedValue>& recorded,
                 v1::GetObservationHistoryResponse* out);
google::protobuf::Timestamp ToProto(absl::Time time);

// Returns the filter as the caller spelled it; the core checks it.
ObservationFilter FromProto(const v1::ObservationFilter& in);
ValueOptions FromProto(const v1::ValueOptions& in);
AggregateRequest FromProto(const v1::AggregateObservationsRequest& in);
RankRequest FromProto(const v1::RankRegionsRequest& in);
ReconcileRequest FromProto(const v1::ReconcileObservationsRequest& in);

// Returns the batch in the dataset's CSV fields, as sent: values in the
// fewest digits that read back the same, enums by their CSV names (a number
// outside the enum as its digits), so that the loader's rules judge it all.
IngestBatch FromProto(const v1::IngestObservationsRequest& in);
void ToProto(const IngestResult& in, v1::IngestObservationsResponse* out);
// Returns the page fields of a List or Query request.
template <typename Request>
PageRequest PageRequestOf(const Request& request) {
  return PageRequest{request.page_size(), request.page_token()};
}

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_WIRE_CONVERT_H_
