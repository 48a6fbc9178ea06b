#include "server/core/service_core.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"

namespace indicators {
namespace {

template <typename T, typename FindFn>
absl::StatusOr<Found<T>> FindById(const std::shared_ptr<const Dataset>& d,
                                  const std::vector<T>& table,
                                  absl::string_view field,
                                  absl::string_view kind,
                                  absl::string_view reason,
                                  absl::string_view id, FindFn find) {
  if (id.empty()) {
    return InvalidField(reason::kMissingField, field, "is required");
  }
  std::optional<uint32_t> index = find(id);
  if (!index) {
    return UnknownId(reason, field,
                     absl::StrCat("unknown ", kind, " ", Quoted(id)));
  }
  return Found<T>{d, &table[*index], *index};
}

std::vector<uint32_t> AllIndexes(size_t n) {
  std::vector<uint32_t> out(n);
  std::iota(out.begin(), out.end(), 0);
  return out;
}

}  // namespace

absl::StatusOr<int32_t> ServiceCore::EffectivePageSize(
    int32_t page_size) const {
  if (page_size < 0) {
    return InvalidField(
        reason::kInvalidPageSize, "page_size",
        absl::StrCat("must not be negative (got ", page_size, ")"));
  }
  if (page_size == 0) return kDefaultPageSize;
  return std::min(page_size, std::max(limits_.max_page_size, kDefaultPageSize));
}

absl::StatusOr<Found<Indicator>> ServiceCore::GetIndicator(
    absl::string_view id) const {
  return FindById(dataset_, dataset_->indicators(), "id", "indicator",
                  reason::kUnknownIndicator, id,
                  [&](auto id) { return dataset_->FindIndicator(id); });
}

absl::StatusOr<Found<Region>> ServiceCore::GetRegion(
    absl::string_view code) const {
  return FindById(dataset_, dataset_->regions(), "code", "region",
                  reason::kUnknownRegion, code,
                  [&](auto id) { return dataset_->FindRegion(id); });
}

absl::StatusOr<Found<Source>> ServiceCore::GetSource(
    absl::string_view id) const {
  return FindById(dataset_, dataset_->sources(), "id", "source",
                  reason::kUnknownSource, id,
                  [&](auto id) { return dataset_->FindSource(id); });
}

absl::StatusOr<Page> ServiceCore::ListIndicators(const PageRequest& page,
                                                 bool include_derived) const {
  // The derived indicators follow the published ones in the table; the list
  // is in id order all the same.
  std::vector<uint32_t> all =
      include_derived ? dataset_->indicators_by_id()
                      : AllIndexes(dataset_->published_indicator_count());
  return SliceIntoPage(
      std::move(all),
      include_derived ? "ListIndicators;derived" : "ListIndicators", page);
}

absl::StatusOr<Page> ServiceCore::ListRegions(
    absl::string_view parent_code, UncheckedEnum<RegionType> unchecked_type,
    const PageRequest& page) const {
  ASSIGN_OR_RETURN(const RegionType type,
                   CheckEnum(unchecked_type, RegionType::kUnspecified,
                             RegionType::kAggregate, "type"));
  std::vector<uint32_t> matches;
  if (parent_code.empty()) {
    matches = AllIndexes(dataset_->regions().size());
  } else {
    std::optional<uint32_t> parent = dataset_->FindRegion(parent_code);
    if (!parent) {
      return UnknownId(reason::kUnknownRegion, "parent_code",
                       absl::StrCat("unknown region ", Quoted(parent_code)));
    }
    absl::Span<const uint32_t> children = dataset_->children(*parent);
    matches.assign(children.begin(), children.end());
  }
  if (type != RegionType::kUnspecified) {
    matches.erase(std::remove_if(matches.begin(), matches.end(),
                                 [&](uint32_t r) {
                                   return dataset_->regions()[r].type != type;
                                 }),
                  matches.end());
  }
  return SliceIntoPage(std::move(matches),
                       absl::StrCat("ListRegions;parent=", parent_code,
                                    ";type=", static_cast<int>(type)),
                       page);
}

absl::StatusOr<Page> ServiceCore::ListSources(const PageRequest& page) const {
  return SliceIntoPage(AllIndexes(dataset_->sources().size()), "ListSources",
                       page);
}

absl::StatusOr<uint64_t> ServiceCore::StartOf(const PageRequest& page,
                                              const TokenScope& scope) const {
  if (page.page_token.empty()) return 0;
  return codec_.Decode("page_token", page.page_token, scope);
}

absl::StatusOr<Page> ServiceCore::SliceIntoPage(std::vector<uint32_t> matches,
                                                absl::string_view request_text,
                                                const PageRequest& page) const {
  ASSIGN_OR_RETURN(const int32_t size, EffectivePageSize(page.page_size));
  const TokenScope scope{dataset_->version(), request_text};
  ASSIGN_OR_RETURN(uint64_t offset, StartOf(page, scope));
  Page out{dataset_, {}, {}};
  offset = std::min<uint64_t>(offset, matches.size());
  const uint64_t end = std::min<uint64_t>(offset + size, matches.size());
  out.items.assign(matches.begin() + offset, matches.begin() + end);
  if (end < matches.size()) out.next_page_token = codec_.Encode(scope, end);
  return out;
}

absl::StatusOr<ShownRows> ShowRows(const Dataset& dataset,
                                   absl::Span<const uint32_t> rows,
                                   const ValueOptions& options,
                                   SentWarnings* sent) {
  ShownRows out;
  if (!options.empty()) {
    ASSIGN_OR_RETURN(out.expressed, ExpressValues(dataset, rows, options));
  }
  out.warnings = FindWarnings(dataset, rows,
                              out.expressed ? &*out.expressed : nullptr, sent);
  return out;
}

absl::StatusOr<ObservationPage> ServiceCore::QueryObservations(
    const ObservationFilter& filter, const PageRequest& page,
    const ValueOptions& options, absl::FunctionRef<bool()> cancelled) const {
  ASSIGN_OR_RETURN(const int32_t size, EffectivePageSize(page.page_size));
  ASSIGN_OR_RETURN(CompiledFilter compiled,
                   CompileFilter(*dataset_, filter, limits_.max_filter_ids));
  RETURN_IF_ERROR(CheckValueOptions(options));
  // The canonical text binds tokens to the filter; most queries fit on one
  // page and never need it, so it is built only for a token.
  std::string request_text;
  auto scope = [&]() {
    if (request_text.empty()) {
      request_text = absl::StrCat("QueryObservations;", CanonicalText(filter),
                                  CanonicalText(options));
    }
    return TokenScope{dataset_->version(), request_text};
  };
  uint64_t start = 0;
  if (!page.page_token.empty()) {
    ASSIGN_OR_RETURN(start, StartOf(page, scope()));
  }
  Page out{dataset_, {}, {}};
  out.items.reserve(size);
  // Scan one row past the page to learn whether another page follows.
  uint64_t resume = start;
  bool more = false;
  const bool completed = ScanObservations(
      *dataset_, compiled, start,
      [&](uint32_t row, uint64_t next) {
        if (out.items.size() == static_cast<size_t>(size)) {
          more = true;
          return false;
        }
        out.items.push_back(row);
        resume = next;
        return true;
      },
      cancelled);
  if (!completed) {
    return absl::CancelledError(
        "the call was cancelled or passed its deadline; the query stopped");
  }
  if (more) out.next_page_token = codec_.Encode(scope(), resume);
  ASSIGN_OR_RETURN(ShownRows shown, ShowRows(*dataset_, out.items, options));
  return ObservationPage{std::move(out), std::move(shown)};
}

absl::StatusOr<History> ServiceCore::ObservationHistory(
    absl::string_view indicator_id, absl::string_view region_code,
    absl::string_view period) const {
  ASSIGN_OR_RETURN(
      Found<Indicator> indicator,
      FindById(dataset_, dataset_->indicators(), "indicator_id", "indicator",
               reason::kUnknownIndicator, indicator_id,
               [&](auto id) { return dataset_->FindIndicator(id); }));
  ASSIGN_OR_RETURN(Found<Region> region,
                   FindById(dataset_, dataset_->regions(), "region_code",
                            "region", reason::kUnknownRegion, region_code,
                            [&](auto id) { return dataset_->FindRegion(id); }));
  absl::StatusOr<Period> figure = Period::Parse(period);
  if (!figure.ok()) {
    return InvalidField(reason::kInvalidPeriod, "period",
                        figure.status().message());
  }
  // (day known, row): undated rows (known_from 0) last; rows come in query
  // order, which breaks ties.
  std::vector<std::pair<uint32_t, uint32_t>> dated;
  for (const Series& s : dataset_->series_of(indicator.index)) {
    if (s.region != region.index) continue;
    for (uint32_t r = s.begin; r < s.end; ++r) {
      const Observation& o = dataset_->observations()[r];
      if (o.period != *figure) continue;
      const uint32_t known = dataset_->known_from(o);
      dated.emplace_back(known == 0 ? UINT32_MAX : known, r);
    }
  }
  std::sort(dated.begin(), dated.end());
  History out{dataset_, {}};
  for (const auto& [day, row] : dated) out.rows.push_back(row);
  return out;
}

absl::StatusOr<ObservationStream> ServiceCore::StreamObservations(
    const ObservationFilter& filter, absl::string_view resume_token,
    const ValueOptions& options) const {
  ASSIGN_OR_RETURN(CompiledFilter compiled,
                   CompileFilter(*dataset_, filter, limits_.max_filter_ids));
  RETURN_IF_ERROR(CheckValueOptions(options));
  std::string request_text = absl::StrCat(
      "StreamObservations;", CanonicalText(filter), CanonicalText(options));
  uint64_t start = 0;
  if (!resume_token.empty()) {
    ASSIGN_OR_RETURN(start, codec_.Decode("resume_token", resume_token,
                                          {dataset_->version(), request_text}));
  }
  return ObservationStream(dataset_, std::move(compiled), start, codec_,
                           std::move(request_text));
}

absl::StatusOr<Aggregates> ServiceCore::AggregateObservations(
    const AggregateRequest& request) const {
  return AggregateRegions(dataset_, request, limits_.max_filter_ids);
}

absl::StatusOr<ReconciledFigures> ServiceCore::ReconcileObservations(
    const ReconcileRequest& request,
    absl::FunctionRef<bool()> cancelled) const {
  ASSIGN_OR_RETURN(const int32_t size,
                   EffectivePageSize(request.page.page_size));
  ASSIGN_OR_RETURN(
      CompiledFilter compiled,
      CompileFilter(*dataset_, request.filter, limits_.max_filter_ids));
  CheckSet checks = kEveryCheck;
  if (!request.checks.empty()) checks.fill(false);
  for (size_t i = 0; i < request.checks.size(); ++i) {
    ASSIGN_OR_RETURN(const CheckKind kind,
                     CheckEnum(request.checks[i], CheckKind::kSumOfParts,
                               CheckKind::kImpliedExchangeRate,
                               absl::StrCat("checks[", i, "]")));
    checks[static_cast<int>(kind) - 1] = true;
  }
  std::string request_text = absl::StrCat(
      "ReconcileObservations;", CanonicalText(request.filter), ";checks=",
      absl::StrJoin(
          checks, ",",
          [](std::string* out, bool b) { out->push_back(b ? '1' : '0'); }),
      ";discrepancies_only=", request.discrepancies_only);
  const TokenScope scope{dataset_->version(), request_text};
  ASSIGN_OR_RETURN(const uint64_t start, StartOf(request.page, scope));
  ReconciledFigures out{dataset_, {}, {}};
  const Dataset& d = *dataset_;
  int32_t examined = 0;
  std::optional<uint32_t> last;  // The row of the last figure examined.
  const bool completed = ScanObservations(
      d, compiled, start,
      [&](uint32_t row, uint64_t) {
        const Observation& o = d.observations()[row];
        if (last) {
          const Observation& l = d.observations()[*last];
          if (l.indicator == o.indicator && l.region == o.region &&
              l.period == o.period) {
            return true;  // Another row of the same figure.
          }
        }
        if (examined == size) {
          out.next_page_token = codec_.Encode(scope, d.ScanPosition(row));
          return false;
        }
        ++examined;
        last = row;
        FigureChecks figure = ReconcileFigure(dataset_, row, checks);
        if (!request.discrepancies_only || figure.discrepant()) {
          out.figures.push_back(std::move(figure));
        }
        return true;
      },
      cancelled);
  if (!completed) {
    return absl::CancelledError(
        "the call was cancelled or passed its deadline; the reconciliation "
        "stopped");
  }
  return out;
}

absl::StatusOr<Ranking> ServiceCore::RankRegions(
    const RankRequest& request) const {
  return indicators::RankRegions(dataset_, request, limits_.max_filter_ids);
}

absl::StatusOr<std::vector<SearchHit>> ServiceCore::SearchCatalog(
    absl::string_view query, int32_t max_results, bool include_derived) const {
  return indicators::SearchCatalog(*dataset_, query, max_results,
                                   include_derived);
}

}  // namespace indicators
