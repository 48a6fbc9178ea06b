#include "server/core/comparability.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace indicators {
namespace {

// The most figures a message lists by name (the warning names them all).
constexpr size_t kNamedInMessage = 3;

// One row of the response with the unit it is expressed in.
struct Item {
  uint32_t row;
  const ExpressedValue* expressed;  // Null when shown as published.
  bool derived;                     // Computed by the service.
};

std::string Listed(const Dataset& d, const std::vector<uint32_t>& rows) {
  std::vector<std::string> names;
  for (size_t i = 0; i < rows.size() && i < kNamedInMessage; ++i) {
    names.push_back(DescribeRow(d, rows[i]));
  }
  std::string out = absl::StrJoin(names, ", ");
  if (rows.size() > kNamedInMessage) {
    absl::StrAppend(&out, " and ", rows.size() - kNamedInMessage, " more");
  }
  return out;
}

ComparabilityWarning Make(const Dataset& d, WarningCode code,
                          std::string message,
                          const std::vector<uint32_t>& rows) {
  ComparabilityWarning w{code, std::move(message), {}};
  for (uint32_t r : rows) w.figures.push_back(FigureOf(d, r));
  return w;
}

// Statuses and qualifiers mixed within one indicator.
void MixedWithinIndicators(const Dataset& d, const std::vector<Item>& items,
                           std::vector<ComparabilityWarning>* out) {
  absl::flat_hash_map<uint32_t, std::vector<const Item*>> by_indicator;
  std::vector<uint32_t> order;
  for (const Item& item : items) {
    const uint32_t ind = d.observations()[item.row].indicator;
    auto [it, added] = by_indicator.try_emplace(ind);
    if (added) order.push_back(ind);
    it->second.push_back(&item);
  }
  for (uint32_t ind : order) {
    const std::vector<const Item*>& group = by_indicator[ind];
    const std::string& id = d.indicators()[ind].id;
    ObservationStatus best = ObservationStatus::kEstimate;
    std::set<ObservationStatus> statuses;
    bool exact = false, hedged = false;
    for (const Item* item : group) {
      const Observation& o = d.observations()[item->row];
      statuses.insert(o.status);
      best = std::min(best, o.status);
      (o.qualifier == Qualifier::kExact ? exact : hedged) = true;
    }
    if (statuses.size() > 1) {
      std::vector<uint32_t> weaker;
      std::vector<std::string> names;
      for (ObservationStatus s : statuses) {
        names.push_back(std::string(StatusName(s)));
      }
      for (const Item* item : group) {
        if (d.observations()[item->row].status != best) {
          weaker.push_back(item->row);
        }
      }
      out->push_back(Make(
          d, WarningCode::kMixedStatus,
          absl::StrCat(id, " mixes ", absl::StrJoin(names, ", "),
                       " figures; not ", StatusName(best), ": ",
                       Listed(d, weaker)),
          weaker));
    }
    if (exact && hedged) {
      std::vector<uint32_t> inexact;
      for (const Item* item : group) {
        if (d.observations()[item->row].qualifier != Qualifier::kExact) {
          inexact.push_back(item->row);
        }
      }
      out->push_back(Make(d, WarningCode::kInexactQualifier,
                          absl::StrCat(id,
                                       " mixes exact figures with hedged "
                                       "ones (about, over, under, nearly): ",
                                       Listed(d, inexact)),
                          inexact));
    }
  }
}

// The best reliability grade of a row's sources.
Reliability GradeOf(const Dataset& d, uint32_t row) {
  return d.observations()[row].reliability;
}

bool ShareASource(const Dataset& d, uint32_t a, uint32_t b) {
  absl::Span<const uint32_t> x = d.sources_of(d.observations()[a]);
  absl::Span<const uint32_t> y = d.sources_of(d.observations()[b]);
  for (uint32_t s : x) {
    if (std::find(y.begin(), y.end(), s) != y.end()) return true;
  }
  return false;
}

// Within each series, the preferred (first) published figure of consecutive
// periods moves to a source of another grade with no source in common.
void SourceChanges(const Dataset& d, const std::vector<Item>& items,
                   std::vector<ComparabilityWarning>* out) {
  const Observation* previous = nullptr;
  uint32_t previous_row = 0;
  std::vector<uint32_t> changed;
  auto flush = [&]() {
    if (changed.empty()) return;
    const Observation& o = d.observations()[changed[0]];
    out->push_back(Make(
        d, WarningCode::kSourceChange,
        absl::StrCat(d.indicators()[o.indicator].id, " ",
                     d.regions()[o.region].code,
                     ": the preferred figure moves to a source of another "
                     "kind (reliability grade) at ",
                     Listed(d, changed)),
        changed));
    changed.clear();
  };
  for (const Item& item : items) {
    if (item.derived) continue;
    const Observation& o = d.observations()[item.row];
    const bool same_series = previous != nullptr &&
                             previous->indicator == o.indicator &&
                             previous->region == o.region;
    if (!same_series) flush();
    if (same_series && previous->period == o.period) continue;  // Not first.
    if (same_series && GradeOf(d, previous_row) != GradeOf(d, item.row) &&
        !ShareASource(d, previous_row, item.row)) {
      changed.push_back(item.row);
    }
    previous = &o;
    previous_row = item.row;
  }
  flush();
}

std::string UnitText(absl::string_view unit, int32_t multiplier) {
  return multiplier == 0 ? std::string(unit)
                         : absl::StrCat(unit, " x 10^", multiplier);
}

// Same unit at two powers of ten, or money in two currencies.
void MixedUnits(const Dataset& d, const std::vector<Item>& items,
                std::vector<ComparabilityWarning>* out) {
  // The first row of each (unit, multiplier), in response order.
  std::vector<std::pair<std::pair<std::string, int32_t>, uint32_t>> units;
  for (const Item& item : items) {
    std::pair<std::string, int32_t> unit;
    if (item.expressed != nullptr) {
      unit = {item.expressed->unit, item.expressed->unit_multiplier};
    } else {
      const Indicator& i = d.indicators()[d.observations()[item.row].indicator];
      unit = {i.unit, i.unit_multiplier};
    }
    if (std::none_of(units.begin(), units.end(),
                     [&](const auto& u) { return u.first == unit; })) {
      units.push_back({unit, item.row});
    }
  }
  std::vector<uint32_t> rows;
  std::vector<std::string> names;
  for (size_t a = 0; a < units.size(); ++a) {
    for (size_t b = 0; b < units.size(); ++b) {
      if (a == b) continue;
      const auto& [ua, ma] = units[a].first;
      const auto& [ub, mb] = units[b].first;
      if (ua == ub || (IsCurrency(ua) && IsCurrency(ub))) {
        rows.push_back(units[a].second);
        names.push_back(UnitText(ua, ma));
        break;
      }
    }
  }
  if (rows.empty()) return;
  out->push_back(Make(d, WarningCode::kMixedUnits,
                      absl::StrCat("values of the same kind in different "
                                   "units: ",
                                   absl::StrJoin(names, ", "), " (",
                                   Listed(d, rows), ")"),
                      rows));
}

void DerivedWithPublished(const Dataset& d, const std::vector<Item>& items,
                          std::vector<ComparabilityWarning>* out) {
  std::vector<uint32_t> derived;
  bool published = false;
  for (const Item& item : items) {
    if (item.derived) {
      derived.push_back(item.row);
    } else {
      published = true;
    }
  }
  if (derived.empty() || !published) return;
  out->push_back(Make(d, WarningCode::kDerivedWithPublished,
                      absl::StrCat("derived values (computed by the service, "
                                   "not published) beside published ones: ",
                                   Listed(d, derived)),
                      derived));
}

// A value converted here beside a conversion its own source published
// (`<indicator>_<currency>`, such as rd_expenditure_usd) at another rate.
void DifferentRates(const Dataset& d, const std::vector<Item>& items,
                    std::vector<ComparabilityWarning>* out) {
  for (const Item& item : items) {
    if (item.expressed == nullptr || !item.expressed->rate_row) continue;
    const ExpressedValue& v = *item.expressed;
    const Observation& o = d.observations()[item.row];
    const Indicator& from = d.indicators()[o.indicator];
    const std::string published_id =
        absl::StrCat(from.id, "_", absl::AsciiStrToLower(v.unit));
    for (const Item& other : items) {
      const Observation& p = d.observations()[other.row];
      const Indicator& to = d.indicators()[p.indicator];
      if (to.id != published_id || to.unit != v.unit ||
          p.region != o.region || p.period != o.period ||
          !ShareASource(d, item.row, other.row) || p.value == 0) {
        continue;
      }
      const double used = d.observations()[*v.rate_row].value;
      // Both amounts in units: yuan per published dollar.
      const double implied = o.value * std::pow(10.0, from.unit_multiplier) /
                             (p.value * std::pow(10.0, to.unit_multiplier));
      const double gap = v.unit == "USD" ? implied : 1 / implied;
      if (std::abs(gap - used) / used < 5e-4) continue;
      out->push_back(Make(
          d, WarningCode::kDifferentRates,
          absl::StrFormat(
              "%s converted here at %.4f %s (%s) is %.4g %s; the same source "
              "published %s = %.4g %s, a rate of %.4f: the two used "
              "different rates",
              DescribeRow(d, item.row), used,
              d.indicators()[d.observations()[*v.rate_row].indicator].unit,
              DescribeRow(d, *v.rate_row), v.value,
              UnitText(v.unit, v.unit_multiplier), DescribeRow(d, other.row),
              p.value, UnitText(to.unit, to.unit_multiplier), gap),
          {item.row, other.row}));
    }
  }
}

}  // namespace

FigureRef FigureOf(const Dataset& d, uint32_t row) {
  const Observation& o = d.observations()[row];
  FigureRef f{d.indicators()[o.indicator].id, d.regions()[o.region].code,
              o.period.ToString(), {}};
  for (uint32_t s : d.sources_of(o)) f.source_ids.push_back(d.sources()[s].id);
  return f;
}

std::vector<ComparabilityWarning> FindWarnings(
    const Dataset& d, absl::Span<const uint32_t> rows,
    const ExpressedValues* expressed) {
  std::vector<Item> items;
  if (expressed != nullptr) {
    for (const ExpressedValue& v : expressed->values) {
      items.push_back({v.row, &v,
                       d.is_derived_row(v.row) || v.previous_row.has_value()});
    }
  } else {
    for (uint32_t row : rows) {
      items.push_back({row, nullptr, d.is_derived_row(row)});
    }
  }
  std::vector<ComparabilityWarning> out;
  if (items.size() > 1) {
    MixedWithinIndicators(d, items, &out);
    SourceChanges(d, items, &out);
    MixedUnits(d, items, &out);
    DerivedWithPublished(d, items, &out);
    DifferentRates(d, items, &out);
  }
  if (expressed != nullptr && !expressed->not_converted.empty()) {
    out.push_back(Make(d, WarningCode::kNotConverted,
                       absl::StrCat("returned unconverted (they cannot be "
                                    "expressed as asked): ",
                                    Listed(d, expressed->not_converted)),
                       expressed->not_converted));
  }
  if (expressed != nullptr && !expressed->no_previous.empty()) {
    out.push_back(Make(d, WarningCode::kNoPreviousPeriod,
                       absl::StrCat("left out: no figure a year earlier to "
                                    "compute growth from: ",
                                    Listed(d, expressed->no_previous)),
                       expressed->no_previous));
  }
  return out;
}

}  // namespace indicators
