#include "server/wire/encoded_columns.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "indicators/v1/indicator_service.pb.h"
#include "server/wire/wire_format.h"

namespace indicators::rpc {
namespace {

using google::protobuf::io::CodedOutputStream;
using Response = v1::StreamObservationColumnsResponse;
using Columns = v1::ObservationColumns;
using Dictionaries = v1::ObservationDictionaries;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "columns are laid out in the machine's byte order");

using wire::kLengthDelimited;
using wire::kVarint;
using wire::Tag;

// The size of a length-delimited field with a one-byte tag, or 0 when empty
// and `omit_empty` (proto3 omits empty bytes and strings, not messages).
size_t FieldSize(size_t body, bool omit_empty = true) {
  if (body == 0 && omit_empty) return 0;
  return wire::LengthDelimitedSize(1, body);
}

// Bytes per code for a dictionary of `entries`.
uint32_t WidthFor(size_t entries) {
  return entries <= (1u << 8) ? 1 : entries <= (1u << 16) ? 2 : 4;
}

// Writes `code` at `out` as a little-endian integer of `width` bytes.
inline void PutCode(uint32_t code, uint32_t width, uint8_t* out) {
  switch (width) {
    case 1:
      *out = static_cast<uint8_t>(code);
      return;
    case 2: {
      const uint16_t narrow = static_cast<uint16_t>(code);
      std::memcpy(out, &narrow, 2);
      return;
    }
    default:
      std::memcpy(out, &code, 4);
  }
}

// The entry of dictionary field `field` as a field of ObservationDictionaries.
std::string EntryField(int field, const google::protobuf::Message& entry) {
  const std::string body = entry.SerializeAsString();
  std::string out;
  uint8_t head[16];
  uint8_t* p = CodedOutputStream::WriteVarint32ToArray(
      Tag(field, kLengthDelimited), head);
  p = CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(body.size()), p);
  out.append(reinterpret_cast<const char*>(head), p - head);
  out.append(body);
  return out;
}

std::string StringEntry(int field, uint32_t code, absl::string_view value) {
  v1::DictionaryEntry entry;
  entry.set_code(code);
  entry.set_value(std::string(value));
  return EntryField(field, entry);
}

// Where a batch's bytes go: one buffer (copied), or slices that reference
// the columns for runs and hold the other bytes (tags, lengths, entries).
class CopySink {
 public:
  explicit CopySink(uint8_t* out) : out_(out) {}
  void Put(absl::string_view bytes) {
    std::memcpy(out_, bytes.data(), bytes.size());
    out_ += bytes.size();
  }
  void Tag(int field, uint32_t wire_type) {
    out_ = CodedOutputStream::WriteVarint32ToArray(wire::Tag(field, wire_type),
                                                   out_);
  }
  void Varint(size_t n) {
    out_ = CodedOutputStream::WriteVarint64ToArray(n, out_);
  }
  void Runs(const grpc::Slice&, const uint8_t* data, uint32_t width,
            absl::Span<const RowRun> runs) {
    for (const RowRun& run : runs) {
      const size_t n = size_t{run.end - run.begin} * width;
      std::memcpy(out_, data + size_t{run.begin} * width, n);
      out_ += n;
    }
  }

 private:
  uint8_t* out_;
};

class SliceSink {
 public:
  void Put(absl::string_view bytes) {
    head_.append(bytes.data(), bytes.size());
  }
  void Tag(int field, uint32_t wire_type) {
    Varint(wire::Tag(field, wire_type));
  }
  void Varint(size_t n) {
    uint8_t bytes[10];
    uint8_t* end = CodedOutputStream::WriteVarint64ToArray(n, bytes);
    head_.append(reinterpret_cast<const char*>(bytes), end - bytes);
  }
  void Runs(const grpc::Slice& column, const uint8_t*, uint32_t width,
            absl::Span<const RowRun> runs) {
    for (const RowRun& run : runs) {
      pieces_.push_back({head_.size(), &column, size_t{run.begin} * width,
                         size_t{run.end} * width});
    }
  }
  // The message: every byte the sink was given, in order, as slices: one
  // copy of the tags, lengths and entries (sub-slices of it between the
  // runs), and a sub-slice of a column for each run.
  grpc::ByteBuffer Finish() {
    const grpc::Slice head(head_);
    std::vector<grpc::Slice> slices;
    slices.reserve(2 * pieces_.size() + 1);
    size_t done = 0;
    for (const Piece& p : pieces_) {
      if (p.at > done) slices.push_back(head.sub(done, p.at));
      done = p.at;
      slices.push_back(p.column->sub(p.begin, p.end));
    }
    if (head_.size() > done) slices.push_back(head.sub(done, head_.size()));
    return grpc::ByteBuffer(slices.data(), slices.size());
  }

 private:
  // A run of a column, after `at` bytes of `head_`.
  struct Piece {
    size_t at;
    const grpc::Slice* column;
    size_t begin, end;
  };
  std::string head_;
  std::vector<Piece> pieces_;
};

// A batch of at most this many runs references the columns; one of more
// runs (short ones: a filter that keeps some rows of each series) is copied,
// since a slice costs more than copying a few bytes.
constexpr size_t kMaxReferencedRuns = 16;

}  // namespace

EncodedColumns::Column EncodedColumns::MakeColumn(uint32_t width,
                                                  std::vector<uint8_t> bytes) {
  Column c;
  c.width = width;
  auto* owned = new std::vector<uint8_t>(std::move(bytes));
  c.data = owned->data();
  // The slice owns the bytes: they go when the last slice of them does.
  c.slice = grpc::Slice(
      owned->data(), owned->size(),
      [](void* p) { delete static_cast<std::vector<uint8_t>*>(p); }, owned);
  return c;
}

EncodedColumns::EncodedColumns(std::shared_ptr<const Dataset> dataset,
                               std::shared_ptr<ResponseBudget> budget)
    : dataset_(std::move(dataset)), budget_(std::move(budget)) {
  const std::vector<Observation>& rows = dataset_->observations();

  // Periods: the distinct ones in order, coded through a table indexed by
  // sort key (at most 9000 years of months).
  int32_t min_key = 0, max_key = -1;
  for (const Observation& o : rows) {
    const int32_t k = o.period.sort_key();
    if (max_key < min_key) {
      min_key = max_key = k;
    } else {
      min_key = std::min(min_key, k);
      max_key = std::max(max_key, k);
    }
  }
  std::vector<uint32_t> period_code(
      max_key >= min_key ? max_key - min_key + 1 : 0, UINT32_MAX);
  std::vector<Period> period_of_key(period_code.size(), Period::Year(1000));
  for (const Observation& o : rows) {
    period_code[o.period.sort_key() - min_key] = 0;
    period_of_key[o.period.sort_key() - min_key] = o.period;
  }
  std::vector<Period> periods;
  for (size_t k = 0; k < period_code.size(); ++k) {
    if (period_code[k] == UINT32_MAX) continue;
    period_code[k] = static_cast<uint32_t>(periods.size());
    periods.push_back(period_of_key[k]);
  }

  WriteColumns(period_code, min_key, periods.size());
  EncodeEntries(periods);
}

void EncodedColumns::WriteColumns(const std::vector<uint32_t>& period_code,
                                  int32_t min_key, size_t period_count) {
  const Dataset& d = *dataset_;
  const std::vector<Observation>& rows = d.observations();
  const size_t n = rows.size();
  const size_t sizes[kDictionaries] = {
      d.indicators().size(), d.regions().size(), period_count,
      d.source_sets().size(), d.notes().size()};
  // One pass over the rows writes every column.
  std::array<std::vector<uint8_t>, kDictionaries> codes;
  uint32_t widths[kDictionaries];
  for (int k = 0; k < kDictionaries; ++k) {
    widths[k] = WidthFor(sizes[k]);
    codes[k].resize(n * widths[k]);
  }
  std::vector<uint8_t> values(n * sizeof(double));
  std::vector<uint8_t> qualifiers(n), statuses(n), reliabilities(n);
  for (size_t r = 0; r < n; ++r) {
    const Observation& o = rows[r];
    const uint32_t row_codes[kDictionaries] = {
        o.indicator, o.region, period_code[o.period.sort_key() - min_key],
        o.source_set, o.note};
    for (int k = 0; k < kDictionaries; ++k) {
      PutCode(row_codes[k], widths[k], codes[k].data() + r * widths[k]);
    }
    std::memcpy(values.data() + r * sizeof(double), &o.value, sizeof(double));
    // The core's enums have the contract's numbers.
    qualifiers[r] = static_cast<uint8_t>(o.qualifier);
    statuses[r] = static_cast<uint8_t>(o.status);
    reliabilities[r] = static_cast<uint8_t>(o.reliability);
  }
  for (int k = 0; k < kDictionaries; ++k) {
    codes_[k] = MakeColumn(widths[k], std::move(codes[k]));
  }
  values_ = MakeColumn(sizeof(double), std::move(values));
  qualifiers_ = MakeColumn(1, std::move(qualifiers));
  statuses_ = MakeColumn(1, std::move(statuses));
  reliabilities_ = MakeColumn(1, std::move(reliabilities));
}

void EncodedColumns::EncodeEntries(const std::vector<Period>& periods) {
  const Dataset& d = *dataset_;
  for (uint32_t i = 0; i < d.indicators().size(); ++i) {
    const Indicator& indicator = d.indicators()[i];
    v1::IndicatorEntry entry;
    entry.set_code(i);
    entry.set_id(indicator.id);
    entry.set_unit(indicator.unit);
    entry.set_unit_multiplier(indicator.unit_multiplier);
    entry.set_derived(d.is_derived_indicator(i));
    entries_[kIndicators].push_back(
        EntryField(Dictionaries::kIndicatorsFieldNumber, entry));
  }
  for (uint32_t i = 0; i < d.regions().size(); ++i) {
    entries_[kRegions].push_back(
        StringEntry(Dictionaries::kRegionsFieldNumber, i, d.regions()[i].code));
  }
  for (uint32_t i = 0; i < periods.size(); ++i) {
    entries_[kPeriods].push_back(StringEntry(Dictionaries::kPeriodsFieldNumber,
                                             i, periods[i].ToString()));
  }
  for (uint32_t i = 0; i < d.source_sets().size(); ++i) {
    v1::SourceSetEntry entry;
    entry.set_code(i);
    for (uint32_t s : d.source_sets()[i]) {
      entry.add_source_ids(d.sources()[s].id);
    }
    entries_[kSourceSets].push_back(
        EntryField(Dictionaries::kSourceSetsFieldNumber, entry));
  }
  for (uint32_t i = 0; i < d.notes().size(); ++i) {
    entries_[kNotes].push_back(
        StringEntry(Dictionaries::kNotesFieldNumber, i, d.notes()[i]));
  }
}

EncodedColumns::SentEntries::SentEntries(const EncodedColumns& columns) {
  for (int k = 0; k < kDictionaries; ++k) {
    entries_[k].sent.assign(columns.entries_[k].size(), false);
    entries_[k].unsent = columns.entries_[k].size();
  }
}

namespace {

// Adds to `sent` the codes of `runs` in a column of `Width`-byte codes that
// it lacks. Consecutive rows mostly repeat a code (a series' indicator and
// region, a period's sources), so repeats are skipped eight bytes at a time.
template <typename Width>
void MarkCodes(const uint8_t* data, absl::Span<const RowRun> runs,
               std::vector<bool>* sent, size_t* unsent,
               std::vector<uint32_t>* added) {
  constexpr uint32_t kPerWord = sizeof(uint64_t) / sizeof(Width);
  for (const RowRun& run : runs) {
    const Width* codes = reinterpret_cast<const Width*>(data) + run.begin;
    const uint32_t n = run.end - run.begin;
    for (uint32_t i = 0; i < n;) {
      const Width code = codes[i];
      if (!(*sent)[code]) {
        (*sent)[code] = true;
        added->push_back(code);
        if (--*unsent == 0) return;
      }
      // Skip the rows that repeat `code`: a word of them, then one by one.
      uint64_t repeated = 0;
      for (uint32_t k = 0; k < kPerWord; ++k) {
        repeated |= uint64_t{code} << (k * 8 * sizeof(Width));
      }
      ++i;
      while (i + kPerWord <= n) {
        uint64_t word;
        std::memcpy(&word, codes + i, sizeof(word));
        if (word != repeated) break;
        i += kPerWord;
      }
      while (i < n && codes[i] == code) ++i;
    }
  }
}

}  // namespace

void EncodedColumns::MarkUsed(Dictionary dictionary,
                              absl::Span<const RowRun> runs,
                              SentEntries::Entries* sent) const {
  sent->added.clear();
  if (sent->unsent == 0) return;  // A long export stops looking early.
  const Column& c = codes_[dictionary];
  switch (c.width) {
    case 1:
      return MarkCodes<uint8_t>(c.data, runs, &sent->sent, &sent->unsent,
                                &sent->added);
    case 2:
      return MarkCodes<uint16_t>(c.data, runs, &sent->sent, &sent->unsent,
                                 &sent->added);
    default:
      return MarkCodes<uint32_t>(c.data, runs, &sent->sent, &sent->unsent,
                                 &sent->added);
  }
}

void EncodedColumns::MarkSeries(absl::Span<const RowRun> runs,
                                SentEntries* sent) const {
  SentEntries::Entries& indicators = sent->entries_[kIndicators];
  SentEntries::Entries& regions = sent->entries_[kRegions];
  indicators.added.clear();
  regions.added.clear();
  if (indicators.unsent == 0 && regions.unsent == 0) return;
  auto mark = [](SentEntries::Entries* e, uint32_t code) {
    if (e->unsent == 0 || e->sent[code]) return;
    e->sent[code] = true;
    e->added.push_back(code);
    --e->unsent;
  };
  // A series is one indicator and region: a few series cover a batch.
  const Dataset& d = *dataset_;
  for (const RowRun& run : runs) {
    for (uint32_t r = run.begin; r < run.end;) {
      const uint32_t indicator = d.observations()[r].indicator;
      const absl::Span<const Series> series = d.series_of(indicator);
      auto it =
          std::partition_point(series.begin(), series.end(),
                               [r](const Series& s) { return s.end <= r; });
      mark(&indicators, indicator);
      const uint32_t from = r;
      for (; it != series.end() && it->begin < run.end; ++it) {
        mark(&regions, it->region);
        r = it->end;
      }
      if (r == from) {  // Not in a series (never so): read the codes.
        const RowRun rest[] = {{from, run.end}};
        for (Dictionary k : {kIndicators, kRegions}) {
          SentEntries::Entries& e = sent->entries_[k];
          const std::vector<uint32_t> had = std::move(e.added);
          MarkUsed(k, rest, &e);
          e.added.insert(e.added.begin(), had.begin(), had.end());
        }
        r = run.end;
      }
    }
  }
}

size_t EncodedColumns::CodeColumnSize(const Column& c, uint32_t rows) {
  return 2 + FieldSize(size_t{rows} * c.width);  // Width, then the codes.
}

size_t EncodedColumns::ColumnsSize(uint32_t rows) const {
  size_t size = rows > 0 ? 1 + CodedOutputStream::VarintSize32(rows) : 0;
  for (const Column& c : codes_) {
    size += FieldSize(CodeColumnSize(c, rows), false);
  }
  for (const Column* c :
       {&values_, &qualifiers_, &statuses_, &reliabilities_}) {
    size += FieldSize(size_t{rows} * c->width);
  }
  return size;
}

template <typename Sink>
void EncodedColumns::Write(absl::Span<const RowRun> runs, uint32_t rows,
                           const SentEntries& sent, size_t dictionaries_size,
                           absl::string_view resume_token, Sink* out) const {
  if (dictionaries_size > 0) {
    out->Tag(Response::kDictionariesFieldNumber, kLengthDelimited);
    out->Varint(dictionaries_size);
    for (int k = 0; k < kDictionaries; ++k) {
      for (uint32_t code : sent.entries_[k].added) out->Put(entries_[k][code]);
    }
  }
  // ObservationColumns: row_count, the code columns, then the others.
  out->Tag(Response::kColumnsFieldNumber, kLengthDelimited);
  out->Varint(ColumnsSize(rows));
  if (rows > 0) {
    out->Tag(Columns::kRowCountFieldNumber, kVarint);
    out->Varint(rows);
  }
  int field = Columns::kIndicatorsFieldNumber;
  for (const Column& c : codes_) {
    out->Tag(field++, kLengthDelimited);
    out->Varint(CodeColumnSize(c, rows));
    out->Tag(v1::CodeColumn::kWidthFieldNumber, kVarint);
    out->Varint(c.width);
    if (rows > 0) {
      out->Tag(v1::CodeColumn::kCodesFieldNumber, kLengthDelimited);
      out->Varint(size_t{rows} * c.width);
      out->Runs(c.slice, c.data, c.width, runs);
    }
  }
  static_assert(Columns::kNotesFieldNumber + 1 == Columns::kValuesFieldNumber);
  field = Columns::kValuesFieldNumber;
  for (const Column* c :
       {&values_, &qualifiers_, &statuses_, &reliabilities_}) {
    if (rows > 0) {
      out->Tag(field, kLengthDelimited);
      out->Varint(size_t{rows} * c->width);
      out->Runs(c->slice, c->data, c->width, runs);
    }
    ++field;
  }
  const std::string& version = dataset_->version();
  if (!version.empty()) {
    out->Tag(Response::kDatasetVersionFieldNumber, kLengthDelimited);
    out->Varint(version.size());
    out->Put(version);
  }
  if (!resume_token.empty()) {
    out->Tag(Response::kResumeTokenFieldNumber, kLengthDelimited);
    out->Varint(resume_token.size());
    out->Put(resume_token);
  }
}

absl::StatusOr<grpc::ByteBuffer> EncodedColumns::Batch(
    absl::Span<const RowRun> runs, SentEntries* sent,
    absl::string_view resume_token) const {
  uint32_t rows = 0;
  for (const RowRun& run : runs) rows += run.end - run.begin;
  size_t dictionaries_size = 0;
  MarkSeries(runs, sent);
  for (int k = kPeriods; k < kDictionaries; ++k) {
    MarkUsed(static_cast<Dictionary>(k), runs, &sent->entries_[k]);
  }
  for (int k = 0; k < kDictionaries; ++k) {
    for (uint32_t code : sent->entries_[k].added) {
      dictionaries_size += entries_[k][code].size();
    }
  }
  if (runs.size() <= kMaxReferencedRuns) {
    SliceSink sink;
    Write(runs, rows, *sent, dictionaries_size, resume_token, &sink);
    return sink.Finish();
  }
  // The copied message's size: what the slices would hold.
  const size_t size =
      FieldSize(dictionaries_size) + FieldSize(ColumnsSize(rows), false) +
      FieldSize(dataset_->version().size()) + FieldSize(resume_token.size());
  grpc_slice raw;
  if (budget_ != nullptr) {
    absl::StatusOr<grpc_slice> charged = budget_->Allocate(size, 0);
    if (!charged.ok()) return charged.status();
    raw = *charged;
  } else {
    raw = grpc_slice_malloc(size);
  }
  CopySink sink(GRPC_SLICE_START_PTR(raw));
  Write(runs, rows, *sent, dictionaries_size, resume_token, &sink);
  grpc::Slice slice(raw, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace indicators::rpc
