#include "server/wire/convert.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/time_util.h"
#include "server/core/dataset/model.h"
#include "server/core/dataset/value_bounds.h"

namespace indicators::rpc {
void ToProto(const Indicator& in, v1::Indicator* out) {
  out->set_id(in.id);
  out->set_name(in.name);
  out->set_unit(in.unit);
  out->set_unit_multiplier(in.unit_multiplier);
  out->set_description(in.description);
  out->set_aggregation(static_cast<v1::Aggregation>(in.aggregation));
}

void ToProto(const Region& in, v1::Region* out) {
  out->set_code(in.code);
  out->set_name(in.name);
  out->set_type(static_cast<v1::RegionType>(in.type));
  out->set_parent_code(in.parent_code);
}

void ToProto(const Source& in, v1::Source* out) {
  out->set_id(in.id);
  out->set_publisher(in.publisher);
  out->set_title(in.title);
  out->set_published(in.published.text);
  out->set_url(in.url);
  out->set_reliability(static_cast<v1::SourceReliability>(in.reliability));
  out->set_note(in.note);
}

void ToProto(const Dataset& dataset, uint32_t index, v1::Indicator* out) {
  ToProto(dataset.indicators()[index], out);
  if (!dataset.is_derived_indicator(index)) return;
  const DerivedIndicator& d = dataset.derivation_of_indicator(index);
  v1::IndicatorDerivation* derivation = out->mutable_derivation();
  derivation->set_formula(d.rule->formula);
  for (uint32_t input : d.inputs) {
    derivation->add_input_indicator_ids(dataset.indicators()[input].id);
  }
  if (d.published_equivalent) {
    derivation->set_published_equivalent_id(
        dataset.indicators()[*d.published_equivalent].id);
  }
}

void DerivedFieldsToProto(const Dataset& dataset, uint32_t row,
                          v1::Observation* out) {
  const Observation& o = dataset.observations()[row];
  out->set_derived(true);
  v1::ObservationDerivation* derivation = out->mutable_derivation();
  derivation->set_formula(
      dataset.derivation_of_indicator(o.indicator).rule->formula);
  const char* roles[] = {"numerator", "denominator"};
  for (size_t k = 0; k < 2; ++k) {
    v1::DerivationInput* input = derivation->add_inputs();
    input->set_role(roles[k]);
    ToProto(dataset, dataset.inputs_of(row)[k], input->mutable_observation());
  }
}

namespace {

// Sets what an observation takes from its indicator: the id and the unit.
void SetIndicatorFields(const Indicator& indicator, v1::Observation* out) {
  out->set_indicator_id(indicator.id);
  out->set_unit(indicator.unit);
  out->set_unit_multiplier(indicator.unit_multiplier);
}

}  // namespace

void ToProto(const Dataset& dataset, uint32_t row, v1::Observation* out) {
  const Observation& o = dataset.observations()[row];
  SetIndicatorFields(dataset.indicators()[o.indicator], out);
  out->set_region_code(dataset.regions()[o.region].code);
  out->set_period(o.period.ToString());
  out->set_value(o.value);
  out->set_qualifier(static_cast<v1::Qualifier>(o.qualifier));
  out->set_status(static_cast<v1::ObservationStatus>(o.status));
  for (uint32_t s : dataset.sources_of(o)) {
    out->add_source_ids(dataset.sources()[s].id);
  }
  out->set_note(std::string(dataset.note_of(o)));
  out->set_reliability(static_cast<v1::SourceReliability>(o.reliability));
  if (dataset.is_derived_row(row)) DerivedFieldsToProto(dataset, row, out);
}

void ToProto(const Interval& in, v1::ValueBounds* out) {
  if (in.lower_bounded()) out->mutable_lower()->set_value(in.lower);
  if (in.upper_bounded()) out->mutable_upper()->set_value(in.upper);
  out->set_lower_exclusive(in.lower_open);
  out->set_upper_exclusive(in.upper_open);
}

namespace {

// Gives the inputs of `out`'s derivation their bounds (`rows`, in order).
void SetInputBounds(const Dataset& dataset, absl::Span<const uint32_t> rows,
                    v1::Observation* out) {
  for (size_t k = 0; k < rows.size() &&
                     k < static_cast<size_t>(out->derivation().inputs_size());
       ++k) {
    ToProto(RowBounds(dataset, rows[k]),
            out->mutable_derivation()
                ->mutable_inputs(static_cast<int>(k))
                ->mutable_observation()
                ->mutable_bounds());
  }
}

// The rows `ToProto` put into `out`'s derivation, in order.
std::vector<uint32_t> DerivationRows(const Dataset& dataset,
                                     const ExpressedValue& in) {
  if (in.converted && in.previous_row) return {in.row, *in.previous_row};
  if (dataset.is_derived_row(in.row)) {
    const std::array<uint32_t, 2>& inputs = dataset.inputs_of(in.row);
    return {inputs[0], inputs[1]};
  }
  return {};
}

}  // namespace

void ToProto(const Dataset& dataset, const ExpressedValue& in,
             v1::Observation* out) {
  ToProto(dataset, in.row, out);
  if (in.bounds) {
    ToProto(*in.bounds, out->mutable_bounds());
    SetInputBounds(dataset, DerivationRows(dataset, in), out);
    if (in.converted && !in.previous_row && in.rate_row) {
      ToProto(RowBounds(dataset, *in.rate_row),
              out->mutable_conversion()->mutable_rate()->mutable_bounds());
    }
  }
  if (!in.converted) return;
  if (in.previous_row) {
    // Growth: a derived value of its own, from two figures of the series.
    const std::string& id =
        dataset.indicators()[dataset.observations()[in.row].indicator].id;
    out->clear_derivation();
    out->set_derived(true);
    v1::ObservationDerivation* derivation = out->mutable_derivation();
    derivation->set_formula(
        absl::StrCat("(", id, " / ", id, " a year earlier - 1) * 100"));
    v1::DerivationInput* current = derivation->add_inputs();
    current->set_role("current");
    ToProto(dataset, in.row, current->mutable_observation());
    v1::DerivationInput* previous = derivation->add_inputs();
    previous->set_role("previous");
    ToProto(dataset, *in.previous_row, previous->mutable_observation());
    out->set_qualifier(static_cast<v1::Qualifier>(in.qualifier));
    out->set_status(static_cast<v1::ObservationStatus>(in.status));
    out->set_reliability(static_cast<v1::SourceReliability>(in.reliability));
    out->clear_source_ids();
    for (uint32_t s : in.sources) out->add_source_ids(dataset.sources()[s].id);
    out->clear_note();
  } else {
    v1::ValueConversion* conversion = out->mutable_conversion();
    conversion->set_original_value(out->value());
    conversion->set_original_unit(out->unit());
    conversion->set_original_unit_multiplier(out->unit_multiplier());
    if (in.rate_row) {
      ToProto(dataset, *in.rate_row, conversion->mutable_rate());
      if (in.bounds) {
        ToProto(RowBounds(dataset, *in.rate_row),
                conversion->mutable_rate()->mutable_bounds());
      }
    }
  }
  out->set_value(in.value);
  out->set_unit(in.unit);
  out->set_unit_multiplier(in.unit_multiplier);
}

void ToProto(const Dataset& dataset, const ComparabilityWarning& in,
             v1::ComparabilityWarning* out) {
  out->set_code(static_cast<v1::WarningCode>(in.code));
  out->set_message(in.message);
  std::vector<FigureRef> figures;
  for (uint32_t row : in.rows) figures.push_back(FigureOf(dataset, row));
  figures.insert(figures.end(), in.figures.begin(), in.figures.end());
  for (const FigureRef& f : figures) {
    v1::ObservationKey* key = out->add_figures();
    key->set_indicator_id(f.indicator_id);
    key->set_region_code(f.region_code);
    key->set_period(f.period);
    for (const std::string& s : f.source_ids) key->add_source_ids(s);
  }
  out->set_figure_count(in.figure_count);
}

namespace {

// A computed figure as a derived observation, each input with its bounds.
void ComputedToProto(const Dataset& d, const ComputedFigure& in,
                     const Interval& bounds, v1::Observation* o) {
  SetIndicatorFields(d.indicators()[in.indicator], o);
  if (in.region) o->set_region_code(d.regions()[*in.region].code);
  o->set_period(in.period.ToString());
  o->set_value(in.value);
  ToProto(bounds, o->mutable_bounds());
  o->set_qualifier(static_cast<v1::Qualifier>(in.qualifier));
  o->set_status(static_cast<v1::ObservationStatus>(in.status));
  for (uint32_t s : in.sources) o->add_source_ids(d.sources()[s].id);
  o->set_reliability(static_cast<v1::SourceReliability>(in.reliability));
  o->set_derived(true);
  v1::ObservationDerivation* derivation = o->mutable_derivation();
  derivation->set_formula(in.formula);
  for (const auto& [role, row] : in.inputs) {
    v1::DerivationInput* input = derivation->add_inputs();
    input->set_role(role);
    ToProto(d, row, input->mutable_observation());
    ToProto(RowBounds(d, row), input->mutable_observation()->mutable_bounds());
  }
}

}  // namespace

void ToProto(const Aggregates& in, v1::AggregateObservationsResponse* out) {
  const Dataset& d = *in.dataset;
  for (const RegionalAggregate& a : in.periods) {
    v1::RegionalAggregate* agg = out->add_aggregates();
    ComputedToProto(d,
                    {in.indicator, in.parent, a.period, a.value, a.qualifier,
                     a.status, a.reliability, a.sources, in.formula, a.inputs},
                    a.bounds, agg->mutable_observation());
    agg->set_expected_regions(a.expected_regions);
    agg->set_reporting_regions(static_cast<int32_t>(a.reporting.size()));
    for (uint32_t r : a.missing) {
      agg->add_missing_region_codes(d.regions()[r].code);
    }
    if (a.published_total) {
      ToProto(d, *a.published_total, agg->mutable_published_total());
      agg->set_share_of_published_total(a.share_of_published_total);
    }
  }
  out->set_dataset_version(d.version());
  for (const ComparabilityWarning& w : in.warnings) {
    ToProto(d, w, out->add_warnings());
  }
}

void ToProto(const Ranking& in, v1::RankRegionsResponse* out) {
  const Dataset& d = *in.dataset;
  out->set_indicator_id(d.indicators()[in.indicator].id);
  if (!in.regions.empty() || !in.missing.empty()) {
    out->set_period(in.period.ToString());
  }
  for (const RankedRegion& r : in.regions) {
    v1::RankedRegion* ranked = out->add_regions();
    ranked->set_region_code(d.regions()[r.region].code);
    ToProto(d, r.row, ranked->mutable_observation());
    ToProto(r.bounds, ranked->mutable_observation()->mutable_bounds());
    if (d.is_derived_row(r.row)) {
      const std::array<uint32_t, 2>& inputs = d.inputs_of(r.row);
      SetInputBounds(d, {inputs[0], inputs[1]}, ranked->mutable_observation());
    }
    ranked->set_best_rank(r.rank.best);
    ranked->set_worst_rank(r.rank.worst);
  }
  for (const auto& [i, j] : in.undetermined) {
    v1::RegionComparison* pair = out->add_undetermined();
    pair->set_region_code(d.regions()[in.regions[i].region].code);
    pair->set_other_region_code(d.regions()[in.regions[j].region].code);
    pair->set_comparison(v1::RANK_COMPARISON_UNDETERMINED);
    ToProto(Intersection(in.regions[i].bounds, in.regions[j].bounds),
            pair->mutable_overlap());
  }
  for (uint32_t r : in.missing) {
    out->add_missing_region_codes(d.regions()[r].code);
  }
  out->set_dataset_version(d.version());
}

namespace {

// A row with its bounds (and its inputs', for a derived row).
void RowWithBounds(const Dataset& d, uint32_t row, v1::Observation* o) {
  ToProto(d, row, o);
  ToProto(RowBounds(d, row), o->mutable_bounds());
  if (d.is_derived_row(row)) {
    const std::array<uint32_t, 2>& inputs = d.inputs_of(row);
    SetInputBounds(d, {inputs[0], inputs[1]}, o);
  }
}

void CheckToProto(const Dataset& d, const Check& in,
                  v1::ReconciliationCheck* out) {
  out->set_kind(static_cast<v1::ReconciliationCheckKind>(in.kind));
  out->set_verdict(static_cast<v1::ReconciliationVerdict>(in.verdict));
  out->set_cause(static_cast<v1::DiscrepancyCause>(in.cause));
  RowWithBounds(d, in.reference, out->mutable_reference());
  if (const uint32_t* row = std::get_if<uint32_t>(&in.compared)) {
    RowWithBounds(d, *row, out->mutable_compared());
  } else {
    ComputedToProto(d, std::get<ComputedFigure>(in.compared),
                    in.compared_bounds, out->mutable_compared());
  }
  out->set_difference(in.difference);
  out->set_relative_difference(in.relative_difference);
  out->set_expected_regions(in.expected_regions);
  out->set_reporting_regions(in.reporting_regions);
  for (uint32_t r : in.missing) {
    out->add_missing_region_codes(d.regions()[r].code);
  }
  out->set_summary(in.summary);
}

}  // namespace

void ToProto(const ReconciledFigures& in,
             v1::ReconcileObservationsResponse* out) {
  const Dataset& d = *in.dataset;
  for (const FigureChecks& f : in.figures) {
    v1::FigureReconciliation* figure = out->add_figures();
    figure->set_indicator_id(d.indicators()[f.indicator].id);
    figure->set_region_code(d.regions()[f.region].code);
    figure->set_period(f.period.ToString());
    if (f.has_agreement) {
      v1::SourceAgreement* agreement = figure->mutable_agreement();
      agreement->set_observation_count(f.observation_count);
      for (uint32_t s : f.agreeing_sources) {
        agreement->add_agreeing_source_ids(d.sources()[s].id);
      }
      for (uint32_t s : f.disagreeing_sources) {
        agreement->add_disagreeing_source_ids(d.sources()[s].id);
      }
    }
    for (const Check& c : f.checks) CheckToProto(d, c, figure->add_checks());
  }
  out->set_next_page_token(in.next_page_token);
  out->set_dataset_version(d.version());
}

void ToProto(const Dataset& dataset, const SearchHit& in,
             v1::SearchResult* out) {
  switch (in.kind) {
    case CatalogKind::kIndicator:
      ToProto(dataset, in.index, out->mutable_indicator());
      break;
    case CatalogKind::kRegion:
      ToProto(dataset.regions()[in.index], out->mutable_region());
      break;
    case CatalogKind::kSource:
      ToProto(dataset.sources()[in.index], out->mutable_source());
      break;
  }
  out->set_score(in.score);
  for (const std::string& term : in.matched_terms) out->add_matched_terms(term);
}

namespace {

// Formats a YYYYMMDD day as YYYY-MM-DD.
std::string DayText(uint32_t day) {
  return absl::StrFormat("%04d-%02d-%02d", day / 10000, day / 100 % 100,
                         day % 100);
}

}  // namespace

void ToProto(const History& in, v1::GetObservationHistoryResponse* out) {
  const Dataset& d = *in.dataset;
  for (uint32_t row : in.rows) {
    v1::ObservationVintage* vintage = out->add_vintages();
    ToProto(d, row, vintage->mutable_observation());
    if (const uint32_t day = d.known_from(d.observations()[row]); day != 0) {
      vintage->set_known_from(DayText(day));
    }
  }
  out->set_dataset_version(d.version());
}

namespace {

// Returns the key that orders vintages: known-from day (none last; the
// YYYY-MM-DD texts order as the days do), then the revision recorded in.
std::tuple<bool, const std::string&, int64_t> VintageOrder(
    const v1::ObservationVintage& v) {
  return {v.known_from().empty(), v.known_from(), v.recorded_in()};
}

std::vector<std::string> SortedIds(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

namespace {

// Returns the served vintage among the first `served` of `out` that cites
// exactly `sources`, or null.
v1::ObservationVintage* ServedVintage(const std::vector<std::string>& sources,
                                      int served,
                                      v1::GetObservationHistoryResponse* out) {
  v1::ObservationVintage* found = nullptr;
  for (int i = 0; i < served; ++i) {
    v1::ObservationVintage& v = *out->mutable_vintages(i);
    if (SortedIds({v.observation().source_ids().begin(),
                   v.observation().source_ids().end()}) == sources) {
      found = &v;
    }
  }
  return found;
}

// Sets the observation of a superseded value `r` (citing `sources`) and when
// it was known from the served catalog: its unit, its sources' best
// reliability and earliest publication.
void SetSuperseded(const Dataset& dataset, const RecordedValue& r,
                   const std::vector<std::string>& sources,
                   v1::ObservationVintage* vintage) {
  const ObservationRecord& record = r.record;
  v1::Observation* o = vintage->mutable_observation();
  o->set_indicator_id(record.indicator_id);
  if (auto i = dataset.FindIndicator(record.indicator_id)) {
    SetIndicatorFields(dataset.indicators()[*i], o);
  }
  o->set_region_code(record.region_code);
  o->set_period(record.period);
  o->set_value(std::strtod(record.value.c_str(), nullptr));
  if (std::optional<Qualifier> q = ParseQualifier(record.qualifier)) {
    o->set_qualifier(static_cast<v1::Qualifier>(*q));
  }
  if (std::optional<ObservationStatus> s = ParseStatus(record.status)) {
    o->set_status(static_cast<v1::ObservationStatus>(*s));
  }
  uint32_t earliest = 0;
  Reliability best = Reliability::kUnspecified;
  for (const std::string& id : sources) {
    o->add_source_ids(id);
    if (auto s = dataset.FindSource(id)) {
      best = std::max(best, dataset.sources()[*s].reliability);
      const uint32_t day = dataset.source_known_from(*s);
      if (day != 0 && (earliest == 0 || day < earliest)) earliest = day;
    }
  }
  o->set_reliability(static_cast<v1::SourceReliability>(best));
  o->set_note(record.note);
  if (earliest != 0) vintage->set_known_from(DayText(earliest));
  vintage->set_superseded_in(r.superseded_in);
  vintage->set_withdrawn(r.withdrawn);
}

}  // namespace

void AddRecorded(const Dataset& dataset,
                 const std::vector<RecordedValue>& recorded,
                 v1::GetObservationHistoryResponse* out) {
  // The served (current) values first, then the superseded ones are added.
  const int served = out->vintages_size();
  std::vector<const RecordedValue*> ordered;
  for (const RecordedValue& r : recorded) {
    if (r.superseded_in == 0) ordered.push_back(&r);
  }
  for (const RecordedValue& r : recorded) {
    if (r.superseded_in != 0) ordered.push_back(&r);
  }
  for (const RecordedValue* value : ordered) {
    const RecordedValue& r = *value;
    const std::vector<std::string> sources = SortedIds(r.record.source_ids);
    v1::ObservationVintage* vintage = nullptr;
    if (r.superseded_in == 0) {
      // A current value: the served vintage with the same sources.
      vintage = ServedVintage(sources, served, out);
      if (vintage == nullptr) continue;  // Recorded after this version.
    } else {
      vintage = out->add_vintages();
      SetSuperseded(dataset, r, sources, vintage);
    }
    *vintage->mutable_recorded_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            r.recorded_at_micros);
    vintage->set_recorded_in(r.recorded_in);
  }
  std::stable_sort(
      out->mutable_vintages()->begin(), out->mutable_vintages()->end(),
      [](const v1::ObservationVintage& a, const v1::ObservationVintage& b) {
        return VintageOrder(a) < VintageOrder(b);
      });
}

google::protobuf::Timestamp ToProto(absl::Time time) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(time));
}

void ToProto(const Dataset& dataset, v1::DatasetInfo* out) {
  out->set_version(dataset.version());
  *out->mutable_load_time() = ToProto(dataset.load_time());
  // The published dataset: derived indicators are not counted.
  out->set_indicator_count(
      static_cast<int32_t>(dataset.published_indicator_count()));
  out->set_region_count(static_cast<int32_t>(dataset.regions().size()));
  out->set_source_count(static_cast<int32_t>(dataset.sources().size()));
  out->set_observation_count(
      static_cast<int64_t>(dataset.published_observation_count()));
  for (const IndicatorCoverage& c : dataset.coverage()) {
    if (dataset.is_derived_indicator(c.indicator)) continue;
    v1::IndicatorCoverage* cov = out->add_coverage();
    cov->set_indicator_id(dataset.indicators()[c.indicator].id);
    cov->set_observation_count(c.observation_count);
    cov->set_region_count(c.region_count);
    if (c.first_period) cov->set_first_period(c.first_period->ToString());
    if (c.last_period) cov->set_last_period(c.last_period->ToString());
    cov->set_source_count(c.source_count);
  }
  out->set_revision(dataset.revision());
}

void ToProto(const ReloadOutcome& in, v1::ReloadOutcome* out) {
  *out->mutable_time() = ToProto(in.time);
  out->set_trigger(in.trigger);
  out->set_succeeded(in.status.ok());
  out->set_error(std::string(in.status.message()));
  out->set_version(in.version);
}

ObservationFilter FromProto(const v1::ObservationFilter& in) {
  ObservationFilter out;
  out.indicator_ids.assign(in.indicator_ids().begin(),
                           in.indicator_ids().end());
  out.region_codes.assign(in.region_codes().begin(), in.region_codes().end());
  out.include_subregions = in.include_subregions();
  out.start_period = in.start_period();
  out.end_period = in.end_period();
  out.source_ids.assign(in.source_ids().begin(), in.source_ids().end());
  out.min_reliability =
      UncheckedEnum<Reliability>::FromInt(in.min_reliability());
  for (int status : in.statuses()) {
    out.statuses.push_back(UncheckedEnum<ObservationStatus>::FromInt(status));
  }
  out.latest_only = in.latest_only();
  out.source_mode = UncheckedEnum<SourceMode>::FromInt(in.source_mode());
  out.known_on = in.known_on();
  return out;
}

ValueOptions FromProto(const v1::ValueOptions& in) {
  ValueOptions out;
  out.currency = in.currency();
  if (in.has_unit_multiplier()) {
    out.unit_multiplier = in.unit_multiplier().value();
  }
  out.transform = UncheckedEnum<ValueTransform>::FromInt(in.transform());
  out.skip_unconvertible = in.skip_unconvertible();
  out.include_bounds = in.include_bounds();
  return out;
}

AggregateRequest FromProto(const v1::AggregateObservationsRequest& in) {
  return {in.indicator_id(), in.parent_region_code(),
          std::vector<std::string>(in.region_codes().begin(),
                                   in.region_codes().end()),
          in.start_period(), in.end_period()};
}

RankRequest FromProto(const v1::RankRegionsRequest& in) {
  return {in.indicator_id(), in.period(), in.parent_region_code(),
          std::vector<std::string>(in.region_codes().begin(),
                                   in.region_codes().end()),
          in.ascending()};
}

ReconcileRequest FromProto(const v1::ReconcileObservationsRequest& in) {
  ReconcileRequest out;
  out.filter = FromProto(in.filter());
  for (int kind : in.checks()) {
    out.checks.push_back(UncheckedEnum<CheckKind>::FromInt(kind));
  }
  out.discrepancies_only = in.discrepancies_only();
  out.page = {in.page_size(), in.page_token()};
  return out;
}

namespace {

// The CSV name of a proto enum value, as the core spells it (`about`):
// "unspecified" for 0, the number for a value with no name (the batch check
// then names it).
template <typename Enum>
std::string CsvEnum(int value, absl::string_view (*name)(Enum)) {
  if (value == 0) return "unspecified";
  if (value > 0 && value <= std::numeric_limits<uint8_t>::max()) {
    const absl::string_view named = name(static_cast<Enum>(value));
    if (!named.empty() && named != "unspecified") return std::string(named);
  }
  return absl::StrCat(value);
}

std::string CsvNumber(double value) {
  char buffer[400];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                              std::chars_format::fixed);
  return std::string(buffer, result.ptr);
}

}  // namespace

IngestBatch FromProto(const v1::IngestObservationsRequest& in) {
  IngestBatch out;
  out.idempotency_key = in.idempotency_key();
  for (const v1::Observation& o : in.observations()) {
    out.observations.push_back(
        {o.indicator_id(), o.region_code(), o.period(), CsvNumber(o.value()),
         CsvEnum(o.qualifier(), &QualifierName),
         CsvEnum(o.status(), &StatusName),
         std::vector<std::string>(o.source_ids().begin(), o.source_ids().end()),
         o.note()});
  }
  for (const v1::ObservationKey& k : in.withdrawals()) {
    out.withdrawals.push_back({k.indicator_id(), k.region_code(), k.period(),
                               std::vector<std::string>(k.source_ids().begin(),
                                                        k.source_ids().end())});
  }
  for (const v1::Source& s : in.sources()) {
    out.sources.push_back({s.id(), s.publisher(), s.title(), s.published(),
                           s.url(), CsvEnum(s.reliability(), &ReliabilityName),
                           s.note()});
  }
  return out;
}

void ToProto(const IngestResult& in, v1::IngestObservationsResponse* out) {
  out->set_revision(in.revision);
  out->set_added(in.added);
  out->set_revised(in.revised);
  out->set_withdrawn(in.withdrawn);
  out->set_unchanged(in.unchanged);
  out->set_sources_added(in.sources_added);
  out->set_replayed(in.replayed);
}

}  // namespace indicators::rpc
