#ifndef INDICATORS_SERVER_CORE_SERVICE_CORE_H_
#define INDICATORS_SERVER_CORE_SERVICE_CORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/analysis/catalog_search.h"
#include "server/core/analysis/comparability.h"
#include "server/core/analysis/reconciliation.h"
#include "server/core/analysis/region_ranking.h"
#include "server/core/analysis/regional_aggregate.h"
#include "server/core/analysis/value_conversion.h"
#include "server/core/base/unchecked_enum.h"
#include "server/core/dataset/dataset.h"
#include "server/core/query/observation_query.h"
#include "server/core/query/page_token.h"

namespace indicators {

inline constexpr int32_t kDefaultPageSize = 100;
inline constexpr int32_t kMaxPageSize = 1000;

// Limits of one server (indicators-server sets them from its flags).
struct CoreLimits {
  // Page sizes above this are clamped to it (at least kDefaultPageSize).
  int32_t max_page_size = kMaxPageSize;
  // Ids allowed in one filter list (indicator_ids, region_codes, source_ids,
  // statuses); more is INVALID_ARGUMENT naming the limit.
  size_t max_filter_ids = 1000;
};

// The paging fields of a List or Query request.
struct PageRequest {
  int32_t page_size = 0;  // 0: kDefaultPageSize; above the maximum: clamped.
  std::string page_token;
};

// One page: indexes into a table of `dataset` (indicators, regions, sources
// or observations, depending on the call). `dataset` keeps that version alive
// while the page is converted and sent.
struct Page {
  std::shared_ptr<const Dataset> dataset;
  std::vector<uint32_t> items;
  std::string next_page_token;  // Empty on the last page.
};

// Observation rows as a response shows them: expressed as the caller asked
// (unset: as published), with the warnings about what they mix.
struct ShownRows {
  std::optional<ExpressedValues> expressed;
  std::vector<ComparabilityWarning> warnings;
};

// Expresses `rows` as `options` asks (see `ExpressValues`) and finds their
// warnings (`FindWarnings`; with `sent`, those of a stream not sent before).
absl::StatusOr<ShownRows> ShowRows(const Dataset& dataset,
                                   absl::Span<const uint32_t> rows,
                                   const ValueOptions& options,
                                   SentWarnings* sent = nullptr);

// A page of observation rows, and how they are shown.
struct ObservationPage : Page {
  ShownRows shown;
};

// The fields of `indicators.v1.ReconcileObservationsRequest`, unchecked.
struct ReconcileRequest {
  ObservationFilter filter;
  std::vector<UncheckedEnum<CheckKind>> checks;  // Empty: every check.
  bool discrepancies_only = false;
  PageRequest page;
};

// One page of reconciled figures, in query order.
struct ReconciledFigures {
  std::shared_ptr<const Dataset> dataset;
  std::vector<FigureChecks> figures;
  std::string next_page_token;
};

// Every value given for one figure (indicator, region, period): observation
// rows of `dataset`, oldest first by the day each was known
// (`Dataset::known_from`; rows with no dated source last), then in query
// order.
struct History {
  std::shared_ptr<const Dataset> dataset;
  std::vector<uint32_t> rows;
};

// One item found by id, with the dataset version that holds it.
template <typename T>
struct Found {
  std::shared_ptr<const Dataset> dataset;
  const T* item;
  uint32_t index;  // Of `item` in its table.
};

// The service's operations in plain C++: validation, lookups, filtering and
// paging over one immutable dataset version. The rpc layer converts requests
// to these calls and their results to responses. Thread-safe.
class ServiceCore {
 public:
  ServiceCore(std::shared_ptr<const Dataset> dataset, PageTokenCodec codec,
              CoreLimits limits = {})
      : dataset_(std::move(dataset)),
        codec_(std::move(codec)),
        limits_(limits) {}

  // The limits requests are checked against.
  const CoreLimits& limits() const { return limits_; }

  const std::shared_ptr<const Dataset>& dataset() const { return dataset_; }

  // Returns a core over `dataset` with this core's token key and limits, so
  // that a reloaded version checks tokens the same way.
  std::shared_ptr<const ServiceCore> WithDataset(
      std::shared_ptr<const Dataset> dataset) const {
    return std::make_shared<const ServiceCore>(std::move(dataset), codec_,
                                               limits_);
  }

  // Each Get returns INVALID_ARGUMENT for an empty id, NOT_FOUND for an
  // unknown one.
  absl::StatusOr<Found<Indicator>> GetIndicator(absl::string_view id) const;
  absl::StatusOr<Found<Region>> GetRegion(absl::string_view code) const;
  absl::StatusOr<Found<Source>> GetSource(absl::string_view id) const;

  // Lists are ordered by id. `parent_code` (empty: any) must be a known region;
  // `type` kUnspecified means any type, a value outside `RegionType` is
  // INVALID_ARGUMENT naming `type`.
  // Lists the published indicators, then with `include_derived` the derived
  // ones.
  absl::StatusOr<Page> ListIndicators(const PageRequest& page,
                                      bool include_derived = false) const;
  absl::StatusOr<Page> ListRegions(absl::string_view parent_code,
                                   UncheckedEnum<RegionType> type,
                                   const PageRequest& page) const;
  absl::StatusOr<Page> ListSources(const PageRequest& page) const;

  // Returns one page of observation rows in query order, shown as `options`
  // asks. Stops with CANCELLED as soon as `cancelled` returns true (it is
  // asked between series), so a caller that has gone costs little.
  absl::StatusOr<ObservationPage> QueryObservations(
      const ObservationFilter& filter, const PageRequest& page,
      const ValueOptions& options = {},
      absl::FunctionRef<bool()> cancelled = [] { return false; }) const;
  // Returns the history of one figure; NOT_FOUND for an unknown indicator or
  // region, INVALID_ARGUMENT for a missing id or a malformed period, each
  // naming the request field. A figure with no observations has an empty
  // history.
  absl::StatusOr<History> ObservationHistory(absl::string_view indicator_id,
                                             absl::string_view region_code,
                                             absl::string_view period) const;
  // Returns a batch reader over every match of `filter`, from the start or,
  // with a `resume_token` of an earlier stream of the same filter and
  // version, right after the message that carried it (INVALID_ARGUMENT
  // naming `resume_token` otherwise).
  // `options` are checked here and bound to the resume tokens; each batch is
  // shown with `ShowRows`.
  absl::StatusOr<ObservationStream> StreamObservations(
      const ObservationFilter& filter, absl::string_view resume_token = "",
      const ValueOptions& options = {}) const;

  // Regional aggregates (see `AggregateRegions`).
  absl::StatusOr<Aggregates> AggregateObservations(
      const AggregateRequest& request) const;

  // Regions ranked with their rank ranges (see `RankRegions`).
  absl::StatusOr<Ranking> RankRegions(const RankRequest& request) const;

  // The figures `request.filter` selects (one of whose rows matches), each
  // with its checks (see `ReconcileFigure`), a page of figures at a time;
  // with `discrepancies_only` only those with a discrepant check. The
  // filter's errors are its own (`CompileFilter`); an unknown check kind is
  // INVALID_ARGUMENT naming `checks[i]`.
  absl::StatusOr<ReconciledFigures> ReconcileObservations(
      const ReconcileRequest& request,
      absl::FunctionRef<bool()> cancelled = [] { return false; }) const;

  // Catalog search (see `SearchCatalog`).
  absl::StatusOr<std::vector<SearchHit>> SearchCatalog(
      absl::string_view query, int32_t max_results, bool include_derived) const;

 private:
  // Returns the page of `matches` (a sorted candidate list) selected by
  // `page` for the request described by `request_text`.
  absl::StatusOr<Page> SliceIntoPage(std::vector<uint32_t> matches,
                                     absl::string_view request_text,
                                     const PageRequest& page) const;

  // Returns the effective page size, or INVALID_ARGUMENT if negative.
  absl::StatusOr<int32_t> EffectivePageSize(int32_t page_size) const;
  // Returns where the page starts: 0, or the position in its token.
  absl::StatusOr<uint64_t> StartOf(const PageRequest& page,
                                   const TokenScope& scope) const;

  std::shared_ptr<const Dataset> dataset_;
  PageTokenCodec codec_;
  CoreLimits limits_;
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_SERVICE_CORE_H_
