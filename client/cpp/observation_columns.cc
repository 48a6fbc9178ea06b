#include "client/cpp/observation_columns.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace indicators::client {
namespace {

// Checks that `column` holds `rows` codes of a valid width.
absl::Status CheckCodes(const char* name, const v1::CodeColumn& column,
                        uint32_t rows) {
  const uint32_t w = column.width();
  if (w != 1 && w != 2 && w != 4) {
    return absl::DataLossError(
        absl::StrCat("columns.", name, ".width: ", w, " is not 1, 2 or 4"));
  }
  if (column.codes().size() != size_t{rows} * w) {
    return absl::DataLossError(
        absl::StrCat("columns.", name, ".codes: ", column.codes().size(),
                     " bytes for ", rows, " rows of ", w, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckBytes(const char* name, const std::string& bytes,
                        uint32_t rows, size_t width) {
  if (bytes.size() != rows * width) {
    return absl::DataLossError(absl::StrCat("columns.", name, ": ",
                                            bytes.size(), " bytes for ", rows,
                                            " rows of ", width, " bytes"));
  }
  return absl::OkStatus();
}

uint32_t CodeAt(const v1::CodeColumn& column, uint32_t row) {
  uint32_t code = 0;  // Little-endian, like this machine.
  std::memcpy(&code, column.codes().data() + size_t{row} * column.width(),
              column.width());
  return code;
}

}  // namespace

template <typename T>
void ObservationColumnsDecoder::Dictionary<T>::Add(uint32_t code, T entry) {
  if (code >= entries.size()) {
    entries.resize(code + 1);
    known.resize(code + 1, false);
  }
  entries[code] = std::move(entry);
  known[code] = true;
}

namespace {

// Checks that every column of `c` holds `n` rows of its width.
absl::Status CheckColumns(const v1::ObservationColumns& c, uint32_t n) {
  for (const auto& [name, column] :
       {std::pair<const char*, const v1::CodeColumn*>{"indicators",
                                                      &c.indicators()},
        {"regions", &c.regions()},
        {"periods", &c.periods()},
        {"source_sets", &c.source_sets()},
        {"notes", &c.notes()}}) {
    if (absl::Status s = CheckCodes(name, *column, n); !s.ok()) return s;
  }
  for (const auto& [name, bytes, width] :
       {std::tuple<const char*, const std::string*, size_t>{
            "values", &c.values(), sizeof(double)},
        {"qualifiers", &c.qualifiers(), 1},
        {"statuses", &c.statuses(), 1},
        {"reliabilities", &c.reliabilities(), 1}}) {
    if (absl::Status s = CheckBytes(name, *bytes, n, width); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ObservationColumnsDecoder::Decode(
    const v1::StreamObservationColumnsResponse& message,
    std::vector<v1::Observation>* rows) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
  const v1::ObservationDictionaries& d = message.dictionaries();
  for (const v1::IndicatorEntry& e : d.indicators()) {
    indicators_.Add(e.code(),
                    {e.id(), e.unit(), e.unit_multiplier(), e.derived()});
  }
  for (const v1::DictionaryEntry& e : d.regions()) {
    regions_.Add(e.code(), e.value());
  }
  for (const v1::DictionaryEntry& e : d.periods()) {
    periods_.Add(e.code(), e.value());
  }
  for (const v1::SourceSetEntry& e : d.source_sets()) {
    source_sets_.Add(e.code(), {e.source_ids().begin(), e.source_ids().end()});
  }
  for (const v1::DictionaryEntry& e : d.notes())
    notes_.Add(e.code(), e.value());

  const v1::ObservationColumns& c = message.columns();
  const uint32_t n = c.row_count();
  if (absl::Status checked = CheckColumns(c, n); !checked.ok()) return checked;
  const size_t before = rows->size();
  auto unknown = [&](const char* name, uint32_t row, uint32_t code) {
    rows->resize(before);  // Nothing of a bad batch.
    return absl::DataLossError(absl::StrCat("columns.", name, ": row ", row,
                                            " has code ", code,
                                            " that no dictionary entry gave"));
  };
  rows->reserve(before + n);
  for (uint32_t r = 0; r < n; ++r) {
    const uint32_t ic = CodeAt(c.indicators(), r);
    const uint32_t rc = CodeAt(c.regions(), r);
    const uint32_t pc = CodeAt(c.periods(), r);
    const uint32_t sc = CodeAt(c.source_sets(), r);
    const uint32_t nc = CodeAt(c.notes(), r);
    if (!indicators_.Has(ic)) return unknown("indicators", r, ic);
    if (!regions_.Has(rc)) return unknown("regions", r, rc);
    if (!periods_.Has(pc)) return unknown("periods", r, pc);
    if (!source_sets_.Has(sc)) return unknown("source_sets", r, sc);
    if (!notes_.Has(nc)) return unknown("notes", r, nc);
    const IndicatorFacts& indicator = indicators_.entries[ic];
    v1::Observation& o = rows->emplace_back();
    o.set_indicator_id(indicator.id);
    o.set_region_code(regions_.entries[rc]);
    o.set_period(periods_.entries[pc]);
    double value;
    std::memcpy(&value, c.values().data() + size_t{r} * sizeof(double),
                sizeof(double));
    o.set_value(value);
    o.set_unit(indicator.unit);
    o.set_unit_multiplier(indicator.unit_multiplier);
    o.set_qualifier(static_cast<v1::Qualifier>(c.qualifiers()[r]));
    o.set_status(static_cast<v1::ObservationStatus>(c.statuses()[r]));
    for (const std::string& id : source_sets_.entries[sc]) o.add_source_ids(id);
    o.set_note(notes_.entries[nc]);
    o.set_reliability(static_cast<v1::SourceReliability>(c.reliabilities()[r]));
    o.set_derived(indicator.derived);
  }
  return absl::OkStatus();
}

}  // namespace indicators::client
