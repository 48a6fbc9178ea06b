#include "server/core/analysis/comparability.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace indicators {
namespace {

// The most figures a message names (the warning lists more).
constexpr size_t kNamedInMessage = 3;

using Item = WarningItem;

// What one indicator's items mix. A response holds few indicators, and its
// rows come grouped by indicator, so a short list with the last one cached
// is all the lookup needed.
struct IndicatorSummary {
  uint32_t indicator;
  uint32_t first_row;     // Its first row in the response.
  uint32_t statuses = 0;  // Bit per ObservationStatus.
  bool exact = false;
  bool hedged = false;
};

std::string Listed(const Dataset& d, const std::vector<uint32_t>& rows,
                   int64_t count) {
  std::vector<std::string> names;
  for (size_t i = 0; i < rows.size() && i < kNamedInMessage; ++i) {
    names.push_back(DescribeRow(d, rows[i]));
  }
  std::string out = absl::StrJoin(names, ", ");
  if (count > static_cast<int64_t>(kNamedInMessage)) {
    absl::StrAppend(&out, " and ", count - kNamedInMessage, " more");
  }
  return out;
}

// The rows of `items` that `keep` selects: the first kMaxWarningFigures, and
// how many there are.
template <typename Keep>
std::pair<std::vector<uint32_t>, int64_t> Select(const std::vector<Item>& items,
                                                 Keep keep) {
  std::vector<uint32_t> rows;
  int64_t count = 0;
  for (const Item& item : items) {
    if (!keep(item)) continue;
    if (rows.size() < kMaxWarningFigures) rows.push_back(item.row);
    ++count;
  }
  return {std::move(rows), count};
}

ComparabilityWarning Make(WarningCode code, std::string message,
                          std::vector<uint32_t> rows, int64_t count) {
  return {code, std::move(message), std::move(rows), {}, count};
}

// True if this warning is to be sent: always without `sent`.
bool Wanted(SentWarnings* sent, WarningCode code, uint32_t indicator) {
  return sent == nullptr || sent->FirstTime(code, indicator);
}

std::vector<IndicatorSummary> Summarize(const Dataset& d,
                                        const std::vector<Item>& items) {
  std::vector<IndicatorSummary> out;
  size_t last = 0;
  for (const Item& item : items) {
    const Observation& o = d.observations()[item.row];
    if (out.empty() || out[last].indicator != o.indicator) {
      last = std::find_if(out.begin(), out.end(),
                          [&](const IndicatorSummary& s) {
                            return s.indicator == o.indicator;
                          }) -
             out.begin();
      if (last == out.size()) out.push_back({o.indicator, item.row});
    }
    IndicatorSummary& s = out[last];
    s.statuses |= 1u << static_cast<int>(o.status);
    (o.qualifier == Qualifier::kExact ? s.exact : s.hedged) = true;
  }
  return out;
}

// Statuses and qualifiers mixed within one indicator.
void MixedWithinIndicators(const Dataset& d, const std::vector<Item>& items,
                           const std::vector<IndicatorSummary>& summaries,
                           SentWarnings* sent,
                           std::vector<ComparabilityWarning>* out) {
  for (const IndicatorSummary& s : summaries) {
    const std::string& id = d.indicators()[s.indicator].id;
    if ((s.statuses & (s.statuses - 1)) != 0 &&  // More than one bit.
        Wanted(sent, WarningCode::kMixedStatus, s.indicator)) {
      std::vector<std::string> names;
      ObservationStatus best = ObservationStatus::kEstimate;
      for (auto status :
           {ObservationStatus::kEstimate, ObservationStatus::kPreliminary,
            ObservationStatus::kFinal}) {
        if (s.statuses & (1u << static_cast<int>(status))) best = status;
      }
      for (auto status :
           {ObservationStatus::kFinal, ObservationStatus::kPreliminary,
            ObservationStatus::kEstimate}) {
        if (s.statuses & (1u << static_cast<int>(status))) {
          names.push_back(std::string(StatusName(status)));
        }
      }
      auto [rows, count] = Select(items, [&](const Item& item) {
        const Observation& o = d.observations()[item.row];
        return o.indicator == s.indicator && o.status != best;
      });
      std::string message = absl::StrCat(
          id, " mixes ", absl::StrJoin(names, ", "), " figures; not ",
          StatusName(best), ": ", Listed(d, rows, count));
      out->push_back(Make(WarningCode::kMixedStatus, std::move(message),
                          std::move(rows), count));
    }
    if (s.exact && s.hedged &&
        Wanted(sent, WarningCode::kInexactQualifier, s.indicator)) {
      auto [rows, count] = Select(items, [&](const Item& item) {
        const Observation& o = d.observations()[item.row];
        return o.indicator == s.indicator && o.qualifier != Qualifier::kExact;
      });
      std::string message =
          absl::StrCat(id,
                       " mixes exact figures with hedged ones (about, over, "
                       "under, nearly): ",
                       Listed(d, rows, count));
      out->push_back(Make(WarningCode::kInexactQualifier, std::move(message),
                          std::move(rows), count));
    }
  }
}

// The kind of source a grade stands for: an official text (the body's own
// page or a mirror of it), an aggregator's transcription, news, or unverified.
Reliability KindOf(Reliability grade) {
  return std::min(grade, Reliability::kOfficialMirror);
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
// periods moves to another kind of source (`KindOf`) with no source in
// common. One warning per indicator, naming the first figure after each
// change.
void SourceChanges(const Dataset& d, const std::vector<Item>& items,
                   SentWarnings* sent, std::vector<ComparabilityWarning>* out) {
  struct Changes {
    uint32_t indicator;
    std::vector<uint32_t> rows;
    int64_t count = 0;
  };
  std::vector<Changes> by_indicator;
  const Observation* previous = nullptr;
  uint32_t previous_row = 0;
  // An indicator whose change this stream has reported is not looked at.
  uint32_t skipped = SentWarnings::kNoIndicator;
  for (const Item& item : items) {
    if (item.derived) continue;
    const Observation& o = d.observations()[item.row];
    if (o.indicator == skipped) continue;
    if (sent != nullptr &&
        (previous == nullptr || previous->indicator != o.indicator) &&
        sent->Contains(WarningCode::kSourceChange, o.indicator)) {
      skipped = o.indicator;
      previous = nullptr;
      continue;
    }
    const bool same_series = previous != nullptr &&
                             previous->indicator == o.indicator &&
                             previous->region == o.region;
    if (same_series && previous->period == o.period) continue;  // Not first.
    if (same_series && KindOf(previous->reliability) != KindOf(o.reliability) &&
        !ShareASource(d, previous_row, item.row)) {
      if (by_indicator.empty() ||
          by_indicator.back().indicator != o.indicator) {
        by_indicator.push_back({o.indicator, {}, 0});
      }
      Changes& c = by_indicator.back();
      if (c.rows.size() < kMaxWarningFigures) c.rows.push_back(item.row);
      ++c.count;
    }
    previous = &o;
    previous_row = item.row;
  }
  for (Changes& c : by_indicator) {
    if (!Wanted(sent, WarningCode::kSourceChange, c.indicator)) continue;
    std::string message = absl::StrCat(
        d.indicators()[c.indicator].id,
        ": the preferred figure of a series moves to another kind of source "
        "(official text, aggregator, news, unverified) at ",
        Listed(d, c.rows, c.count));
    out->push_back(Make(WarningCode::kSourceChange, std::move(message),
                        std::move(c.rows), c.count));
  }
}

std::string UnitText(absl::string_view unit, int32_t multiplier) {
  return multiplier == 0 ? std::string(unit)
                         : absl::StrCat(unit, " x 10^", multiplier);
}

// Same unit at two powers of ten, or money in two currencies. As published,
// an indicator has one unit, so its summary's first row stands for it.
void MixedUnits(const Dataset& d, const std::vector<Item>& items,
                const std::vector<IndicatorSummary>& summaries, bool expressed,
                SentWarnings* sent, std::vector<ComparabilityWarning>* out) {
  // The first row of each (unit, multiplier), in response order.
  struct Unit {
    absl::string_view unit;
    int32_t multiplier;
    uint32_t row;
  };
  std::vector<Unit> units;
  auto add = [&](Unit u) {
    if (std::none_of(units.begin(), units.end(), [&](const Unit& x) {
          return x.unit == u.unit && x.multiplier == u.multiplier;
        })) {
      units.push_back(u);
    }
  };
  if (expressed) {
    for (const Item& item : items) {
      add({item.expressed->unit, item.expressed->unit_multiplier, item.row});
    }
  } else {
    for (const IndicatorSummary& s : summaries) {
      const Indicator& i = d.indicators()[s.indicator];
      add({i.unit, i.unit_multiplier, s.first_row});
    }
  }
  if (units.size() < 2) return;
  std::vector<uint32_t> rows;
  std::vector<std::string> names;
  for (const Unit& a : units) {
    for (const Unit& b : units) {
      if (&a == &b) continue;
      if (a.unit == b.unit || (IsCurrency(a.unit) && IsCurrency(b.unit))) {
        rows.push_back(a.row);
        names.push_back(UnitText(a.unit, a.multiplier));
        break;
      }
    }
  }
  if (rows.empty() ||
      !Wanted(sent, WarningCode::kMixedUnits, SentWarnings::kNoIndicator)) {
    return;
  }
  const int64_t count = static_cast<int64_t>(rows.size());
  if (rows.size() > kMaxWarningFigures) rows.resize(kMaxWarningFigures);
  std::string message = absl::StrCat(
      "values of the same kind in different units: ",
      absl::StrJoin(names, ", "), " (", Listed(d, rows, count), ")");
  out->push_back(Make(WarningCode::kMixedUnits, std::move(message),
                      std::move(rows), count));
}

void DerivedWithPublished(const Dataset& d, const std::vector<Item>& items,
                          SentWarnings* sent,
                          std::vector<ComparabilityWarning>* out) {
  const bool published = std::any_of(items.begin(), items.end(),
                                     [](const Item& i) { return !i.derived; });
  const bool derived = std::any_of(items.begin(), items.end(),
                                   [](const Item& i) { return i.derived; });
  if (!published || !derived ||
      !Wanted(sent, WarningCode::kDerivedWithPublished,
              SentWarnings::kNoIndicator)) {
    return;
  }
  auto [rows, count] = Select(items, [](const Item& i) { return i.derived; });
  std::string message = absl::StrCat(
      "derived values (computed by the service, not published) "
      "beside published ones: ",
      Listed(d, rows, count));
  out->push_back(Make(WarningCode::kDerivedWithPublished, std::move(message),
                      std::move(rows), count));
}

// A value converted here beside a conversion its own source published
// (`<indicator>_<currency>`, such as rd_expenditure_usd) at another rate.
void DifferentRates(const Dataset& d, const std::vector<Item>& items,
                    SentWarnings* sent,
                    std::vector<ComparabilityWarning>* out) {
  // The published figures in a currency: the only candidates.
  std::vector<const Item*> published;
  for (const Item& item : items) {
    const Indicator& i = d.indicators()[d.observations()[item.row].indicator];
    if (!item.derived && IsCurrency(i.unit) &&
        (item.expressed == nullptr || !item.expressed->converted)) {
      published.push_back(&item);
    }
  }
  if (published.empty()) return;
  for (const Item& item : items) {
    if (item.expressed == nullptr || !item.expressed->rate_row) continue;
    const ExpressedValue& v = *item.expressed;
    const Observation& o = d.observations()[item.row];
    const Indicator& from = d.indicators()[o.indicator];
    const std::string published_id =
        absl::StrCat(from.id, "_", absl::AsciiStrToLower(v.unit));
    for (const Item* other : published) {
      const Observation& p = d.observations()[other->row];
      const Indicator& to = d.indicators()[p.indicator];
      if (to.id != published_id || to.unit != v.unit || p.region != o.region ||
          p.period != o.period || !ShareASource(d, item.row, other->row) ||
          p.value == 0) {
        continue;
      }
      const double used = d.observations()[*v.rate_row].value;
      // Yuan per dollar as the source's two figures imply.
      const double implied = o.value * std::pow(10.0, from.unit_multiplier) /
                             (p.value * std::pow(10.0, to.unit_multiplier));
      const double gap = v.unit == "USD" ? implied : 1 / implied;
      if (std::abs(gap - used) / used < 5e-4 ||
          !Wanted(sent, WarningCode::kDifferentRates, o.indicator)) {
        continue;
      }
      out->push_back(Make(
          WarningCode::kDifferentRates,
          absl::StrFormat(
              "%s converted here at %.4f %s (%s) is %.4g %s; the same source "
              "published %s = %.4g %s, a rate of %.4f: the two used "
              "different rates",
              DescribeRow(d, item.row), used,
              d.indicators()[d.observations()[*v.rate_row].indicator].unit,
              DescribeRow(d, *v.rate_row), v.value,
              UnitText(v.unit, v.unit_multiplier), DescribeRow(d, other->row),
              p.value, UnitText(to.unit, to.unit_multiplier), gap),
          {item.row, other->row}, 2));
    }
  }
}

}  // namespace

FigureRef FigureOf(const Dataset& d, uint32_t row) {
  const Observation& o = d.observations()[row];
  FigureRef f{d.indicators()[o.indicator].id,
              d.regions()[o.region].code,
              o.period.ToString(),
              {}};
  for (uint32_t s : d.sources_of(o)) f.source_ids.push_back(d.sources()[s].id);
  return f;
}

bool SentWarnings::Contains(WarningCode code, uint32_t indicator) const {
  return std::find(sent_.begin(), sent_.end(),
                   std::pair<WarningCode, uint32_t>{code, indicator}) !=
         sent_.end();
}

bool SentWarnings::Covers(uint32_t indicator) const {
  return Contains(WarningCode::kMixedStatus, indicator) &&
         Contains(WarningCode::kInexactQualifier, indicator) &&
         Contains(WarningCode::kSourceChange, indicator);
}

bool SentWarnings::FirstTime(WarningCode code, uint32_t indicator) {
  const std::pair<WarningCode, uint32_t> key{code, indicator};
  if (std::find(sent_.begin(), sent_.end(), key) != sent_.end()) return false;
  sent_.push_back(key);
  return true;
}

std::vector<ComparabilityWarning> FindWarnings(const Dataset& d,
                                               absl::Span<const uint32_t> rows,
                                               const ExpressedValues* expressed,
                                               SentWarnings* sent) {
  std::vector<Item> local;
  std::vector<Item>& items = sent != nullptr ? sent->scratch() : local;
  items.clear();
  if (expressed != nullptr) {
    items.reserve(expressed->values.size());
    for (const ExpressedValue& v : expressed->values) {
      items.push_back(
          {v.row, &v, d.is_derived_row(v.row) || v.previous_row.has_value()});
    }
  } else {
    items.reserve(rows.size());
    // In a stream, an indicator whose own warnings have all gone is
    // represented by the first row of each run (for the response-wide
    // checks: units, derived beside published); its other rows are skipped.
    uint32_t indicator = SentWarnings::kNoIndicator;
    bool covered = false;
    for (uint32_t row : rows) {
      const uint32_t i = d.observations()[row].indicator;
      if (i == indicator && covered) continue;
      if (i != indicator) {
        indicator = i;
        covered = sent != nullptr && sent->Covers(i);
      }
      items.push_back({row, nullptr, d.is_derived_row(row)});
    }
  }
  std::vector<ComparabilityWarning> out;
  if (items.size() > 1) {
    const std::vector<IndicatorSummary> summaries = Summarize(d, items);
    MixedWithinIndicators(d, items, summaries, sent, &out);
    SourceChanges(d, items, sent, &out);
    MixedUnits(d, items, summaries, expressed != nullptr, sent, &out);
    DerivedWithPublished(d, items, sent, &out);
    if (expressed != nullptr) DifferentRates(d, items, sent, &out);
  }
  auto listed = [&](WarningCode code, const char* what,
                    const std::vector<uint32_t>& all) {
    if (all.empty() || !Wanted(sent, code, SentWarnings::kNoIndicator)) return;
    const int64_t count = static_cast<int64_t>(all.size());
    std::vector<uint32_t> rows(
        all.begin(), all.begin() + std::min(all.size(), kMaxWarningFigures));
    std::string message = absl::StrCat(what, Listed(d, rows, count));
    out.push_back(Make(code, std::move(message), std::move(rows), count));
  };
  if (expressed != nullptr) {
    listed(WarningCode::kNotConverted,
           "returned unconverted (they cannot be expressed as asked): ",
           expressed->not_converted);
    listed(WarningCode::kNoPreviousPeriod,
           "left out: no figure a year earlier to compute growth from: ",
           expressed->no_previous);
  }
  return out;
}

}  // namespace indicators
