#include "server/wire/encoded_dataset.h"

#include <cstring>

#include "google/protobuf/io/coded_stream.h"
#include "indicators/v1/indicator_service.pb.h"
#include "indicators/v1/resources.pb.h"
#include "server/wire/convert.h"
#include "server/wire/wire_format.h"

namespace indicators::rpc {
namespace {

using google::protobuf::io::CodedOutputStream;
using Obs = v1::Observation;

using wire::kFixed64;
using wire::kLengthDelimited;
using wire::kVarint;
using wire::LengthDelimitedSize;
using wire::Tag;

// Every page and batch carries its items (catalog entries or observations) as
// field 1; static_asserts below check it against each response message.
constexpr int kItemsField = 1;

// Returns the bytes of a length-delimited field, or "" for an empty value
// (proto3 omits empty strings).
std::string StringField(int field, absl::string_view value) {
  if (value.empty()) return "";
  std::string out;
  out.resize(CodedOutputStream::VarintSize32(Tag(field, kLengthDelimited)) +
             CodedOutputStream::VarintSize32(value.size()) + value.size());
  uint8_t* p = reinterpret_cast<uint8_t*>(out.data());
  p = CodedOutputStream::WriteVarint32ToArray(Tag(field, kLengthDelimited), p);
  p = CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(value.size()), p);
  std::memcpy(p, value.data(), value.size());
  return out;
}

// Returns an int32 varint field, or "" for 0. Negative values take 10 bytes.
std::string Int32Field(int field, int32_t value) {
  if (value == 0) return "";
  uint8_t buffer[16];
  uint8_t* p =
      CodedOutputStream::WriteVarint32ToArray(Tag(field, kVarint), buffer);
  p = CodedOutputStream::WriteVarint64ToArray(
      static_cast<uint64_t>(static_cast<int64_t>(value)), p);
  return std::string(reinterpret_cast<char*>(buffer), p - buffer);
}

uint8_t* WriteStringField(int field, absl::string_view value, uint8_t* out) {
  if (value.empty()) return out;
  out = CodedOutputStream::WriteVarint32ToArray(Tag(field, kLengthDelimited),
                                                out);
  out = CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(value.size()), out);
  std::memcpy(out, value.data(), value.size());
  return out + value.size();
}

size_t StringFieldSize(absl::string_view value) {
  return value.empty() ? 0 : LengthDelimitedSize(1, value.size());
}

template <typename T, typename Message>
std::vector<std::string> SerializeAll(const std::vector<T>& items) {
  std::vector<std::string> out;
  out.reserve(items.size());
  Message message;
  for (const T& item : items) {
    message.Clear();
    ToProto(item, &message);
    out.push_back(message.SerializeAsString());
  }
  return out;
}

grpc::ByteBuffer Copy(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

template <typename WriteFn>
absl::StatusOr<grpc::ByteBuffer> EncodedDataset::Build(size_t size,
                                                       WriteFn write,
                                                       size_t slack) const {
  grpc_slice raw;
  if (budget_ != nullptr) {
    absl::StatusOr<grpc_slice> charged = budget_->Allocate(size, slack);
    if (!charged.ok()) return charged.status();
    raw = *charged;
  } else {
    raw = grpc_slice_malloc(size + slack);
    GRPC_SLICE_SET_LENGTH(raw, size);
  }
  uint8_t* end = write(GRPC_SLICE_START_PTR(raw));
  (void)end;
  grpc::Slice slice(raw, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&slice, 1);
}

EncodedDataset::EncodedDataset(std::shared_ptr<const Dataset> dataset,
                               std::shared_ptr<ResponseBudget> budget)
    : dataset_(std::move(dataset)), budget_(std::move(budget)) {
  const Dataset& d = *dataset_;
  v1::Indicator indicator;
  for (uint32_t i = 0; i < d.indicators().size(); ++i) {
    indicator.Clear();
    ToProto(d, i, &indicator);
    indicators_.push_back(indicator.SerializeAsString());
  }
  regions_ = SerializeAll<indicators::Region, v1::Region>(d.regions());
  sources_ = SerializeAll<indicators::Source, v1::Source>(d.sources());
  for (const indicators::Indicator& i : d.indicators()) {
    indicator_ids_.push_back(
        MakeFragment(StringField(Obs::kIndicatorIdFieldNumber, i.id)));
    indicator_units_.push_back(MakeFragment(
        StringField(Obs::kUnitFieldNumber, i.unit) +
        Int32Field(Obs::kUnitMultiplierFieldNumber, i.unit_multiplier)));
  }
  for (const indicators::Region& r : d.regions()) {
    region_codes_.push_back(
        MakeFragment(StringField(Obs::kRegionCodeFieldNumber, r.code)));
  }
  for (const indicators::Source& s : d.sources()) {
    source_ids_.push_back(
        MakeFragment(StringField(Obs::kSourceIdsFieldNumber, s.id)));
    key_source_ids_.push_back(MakeFragment(
        StringField(v1::ObservationKey::kSourceIdsFieldNumber, s.id)));
  }
  for (const std::string& note : d.notes()) {
    notes_.push_back(MakeFragment(StringField(Obs::kNoteFieldNumber, note)));
  }
  // A derived row ends with its derivation (fields 12-13, after every field
  // the fragments write).
  v1::Observation derived;
  for (uint32_t row = d.published_observation_count();
       row < d.observations().size(); ++row) {
    derived.Clear();
    DerivedFieldsToProto(d, row, &derived);
    derived_tails_.push_back(derived.SerializeAsString());
  }
  body_sizes_.reserve(d.observations().size());
  for (uint32_t row = 0; row < d.observations().size(); ++row) {
    body_sizes_.push_back(static_cast<uint32_t>(ObservationSize(row)));
  }
}

grpc::ByteBuffer EncodedDataset::Indicator(uint32_t index) const {
  return Copy(indicators_[index]);
}
grpc::ByteBuffer EncodedDataset::Region(uint32_t index) const {
  return Copy(regions_[index]);
}
grpc::ByteBuffer EncodedDataset::Source(uint32_t index) const {
  return Copy(sources_[index]);
}

// The three List responses share one layout: the items, the next page token
// and the dataset version, with the same field numbers.
template <typename Response>
constexpr bool HasListLayout(int items_field) {
  using Reference = v1::ListIndicatorsResponse;
  return items_field == kItemsField &&
         static_cast<int>(Response::kNextPageTokenFieldNumber) ==
             static_cast<int>(Reference::kNextPageTokenFieldNumber) &&
         static_cast<int>(Response::kDatasetVersionFieldNumber) ==
             static_cast<int>(Reference::kDatasetVersionFieldNumber);
}
static_assert(HasListLayout<v1::ListIndicatorsResponse>(
    v1::ListIndicatorsResponse::kIndicatorsFieldNumber));
static_assert(HasListLayout<v1::ListRegionsResponse>(
    v1::ListRegionsResponse::kRegionsFieldNumber));
static_assert(HasListLayout<v1::ListSourcesResponse>(
    v1::ListSourcesResponse::kSourcesFieldNumber));

absl::StatusOr<grpc::ByteBuffer> EncodedDataset::IndicatorPage(
    absl::Span<const uint32_t> items, absl::string_view token) const {
  return Page(indicators_, items, token);
}
absl::StatusOr<grpc::ByteBuffer> EncodedDataset::RegionPage(
    absl::Span<const uint32_t> items, absl::string_view token) const {
  return Page(regions_, items, token);
}
absl::StatusOr<grpc::ByteBuffer> EncodedDataset::SourcePage(
    absl::Span<const uint32_t> items, absl::string_view token) const {
  return Page(sources_, items, token);
}

absl::StatusOr<grpc::ByteBuffer> EncodedDataset::Page(
    const std::vector<std::string>& table, absl::Span<const uint32_t> items,
    absl::string_view token) const {
  using R = v1::ListIndicatorsResponse;  // The layout of every List response.
  const int token_field = R::kNextPageTokenFieldNumber;
  const int version_field = R::kDatasetVersionFieldNumber;
  const std::string& version = dataset_->version();
  size_t size = StringFieldSize(token) + StringFieldSize(version);
  for (uint32_t i : items) size += LengthDelimitedSize(1, table[i].size());
  return Build(size, [&](uint8_t* out) {
    for (uint32_t i : items) out = WriteStringField(kItemsField, table[i], out);
    out = WriteStringField(token_field, token, out);
    return WriteStringField(version_field, version, out);
  });
}

// The encoded fields after the observations, token and version come last in
// both observation responses.
static_assert(v1::QueryObservationsResponse::kWarningsFieldNumber >
                  v1::QueryObservationsResponse::kDatasetVersionFieldNumber &&
              v1::QueryObservationsResponse::kWarningsFieldNumber >
                  v1::QueryObservationsResponse::kNextPageTokenFieldNumber);
static_assert(v1::StreamObservationsResponse::kWarningsFieldNumber >
                  v1::StreamObservationsResponse::kDatasetVersionFieldNumber &&
              v1::StreamObservationsResponse::kWarningsFieldNumber >
                  v1::StreamObservationsResponse::kResumeTokenFieldNumber);

absl::StatusOr<grpc::ByteBuffer> EncodedDataset::QueryPage(
    absl::Span<const uint32_t> rows, absl::string_view token,
    absl::string_view tail) const {
  using R = v1::QueryObservationsResponse;
  static_assert(R::kObservationsFieldNumber == kItemsField);
  return Observations(rows, token, R::kNextPageTokenFieldNumber,
                      R::kDatasetVersionFieldNumber, tail);
}

absl::StatusOr<grpc::ByteBuffer> EncodedDataset::StreamBatch(
    absl::Span<const uint32_t> rows, absl::string_view resume_token,
    absl::string_view tail) const {
  using R = v1::StreamObservationsResponse;
  static_assert(R::kObservationsFieldNumber == kItemsField);
  return Observations(rows, resume_token, R::kResumeTokenFieldNumber,
                      R::kDatasetVersionFieldNumber, tail);
}

absl::StatusOr<grpc::ByteBuffer> EncodedDataset::Observations(
    absl::Span<const uint32_t> rows, absl::string_view token, int token_field,
    int version_field, absl::string_view tail) const {
  const std::string& version = dataset_->version();
  size_t total =
      StringFieldSize(token) + StringFieldSize(version) + tail.size();
  for (uint32_t row : rows) total += LengthDelimitedSize(1, body_sizes_[row]);
  return Build(
      total,
      [&](uint8_t* out) {
        // Fields in number order, as protobuf's serializer writes them.
        for (uint32_t row : rows) out = WriteObservation(row, out);
        const bool token_first = token_field < version_field;
        if (token_first) out = WriteStringField(token_field, token, out);
        out = WriteStringField(version_field, version, out);
        if (!token_first) out = WriteStringField(token_field, token, out);
        if (!tail.empty()) std::memcpy(out, tail.data(), tail.size());
        return out + tail.size();
      },
      kSlack);
}

namespace {

// The period as text: YYYY or YYYY-MM.
size_t PeriodLength(Period p) { return p.is_year() ? 4 : 7; }

uint8_t* WritePeriod(Period p, uint8_t* out) {
  out[0] = Tag(Obs::kPeriodFieldNumber, kLengthDelimited);
  out[1] = static_cast<uint8_t>(PeriodLength(p));
  const int year = p.year();
  out[2] = static_cast<uint8_t>('0' + year / 1000);
  out[3] = static_cast<uint8_t>('0' + year / 100 % 10);
  out[4] = static_cast<uint8_t>('0' + year / 10 % 10);
  out[5] = static_cast<uint8_t>('0' + year % 10);
  if (p.is_year()) return out + 6;
  out[6] = '-';
  out[7] = static_cast<uint8_t>('0' + p.month() / 10);
  out[8] = static_cast<uint8_t>('0' + p.month() % 10);
  return out + 9;
}

uint64_t DoubleBits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

}  // namespace

EncodedDataset::Fragment EncodedDataset::MakeFragment(std::string bytes) {
  Fragment f;
  if (bytes.size() <= Fragment::kInline) {
    f.size_class = static_cast<uint8_t>(bytes.size());
    std::memcpy(f.bytes, bytes.data(), bytes.size());
  } else {
    f.size_class = kLong;
    f.long_bytes = std::move(bytes);
  }
  return f;
}

uint8_t* EncodedDataset::Write(const Fragment& f, uint8_t* out) {
  if (f.size_class <= Fragment::kInline) {
    std::memcpy(out, f.bytes, Fragment::kInline);  // Fixed size: inlined.
    return out + f.size_class;
  }
  std::memcpy(out, f.long_bytes.data(), f.long_bytes.size());
  return out + f.long_bytes.size();
}

size_t EncodedDataset::ObservationSize(uint32_t row) const {
  const Observation& o = dataset_->observations()[row];
  size_t size =
      indicator_ids_[o.indicator].size() + region_codes_[o.region].size() + 2 +
      PeriodLength(o.period) + (DoubleBits(o.value) != 0 ? 9 : 0) +
      indicator_units_[o.indicator].size() + 2 + 2 + notes_[o.note].size() + 2;
  for (uint32_t s : dataset_->sources_of(o)) size += source_ids_[s].size();
  if (dataset_->is_derived_row(row)) size += DerivedTail(row).size();
  return size;
}

uint8_t* EncodedDataset::WriteObservation(uint32_t row, uint8_t* out) const {
  const Observation& o = dataset_->observations()[row];
  *out++ = Tag(kItemsField, kLengthDelimited);
  out = CodedOutputStream::WriteVarint32ToArray(body_sizes_[row], out);
  out = Write(indicator_ids_[o.indicator], out);
  out = Write(region_codes_[o.region], out);
  out = WritePeriod(o.period, out);
  if (const uint64_t bits = DoubleBits(o.value); bits != 0) {
    *out++ = Tag(Obs::kValueFieldNumber, kFixed64);
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
                  "fixed64 is little-endian on the wire");
    std::memcpy(out, &bits, 8);
    out += 8;
  }
  out = Write(indicator_units_[o.indicator], out);
  out[0] = Tag(Obs::kQualifierFieldNumber, kVarint);
  out[1] = static_cast<uint8_t>(o.qualifier);
  out[2] = Tag(Obs::kStatusFieldNumber, kVarint);
  out[3] = static_cast<uint8_t>(o.status);
  out += 4;
  for (uint32_t s : dataset_->sources_of(o)) out = Write(source_ids_[s], out);
  if (o.note != 0) out = Write(notes_[o.note], out);
  out[0] = Tag(Obs::kReliabilityFieldNumber, kVarint);
  out[1] = static_cast<uint8_t>(o.reliability);
  out += 2;
  if (dataset_->is_derived_row(row)) {
    const std::string& tail = DerivedTail(row);
    std::memcpy(out, tail.data(), tail.size());
    out += tail.size();
  }
  return out;
}

std::string EncodedDataset::Warnings(
    const std::vector<ComparabilityWarning>& warnings) const {
  using W = v1::ComparabilityWarning;
  using Key = v1::ObservationKey;
  // An ObservationKey shares its first three field numbers with an
  // Observation, so the observation fragments serve.
  static_assert(static_cast<int>(Key::kIndicatorIdFieldNumber) ==
                    static_cast<int>(Obs::kIndicatorIdFieldNumber) &&
                static_cast<int>(Key::kRegionCodeFieldNumber) ==
                    static_cast<int>(Obs::kRegionCodeFieldNumber) &&
                static_cast<int>(Key::kPeriodFieldNumber) ==
                    static_cast<int>(Obs::kPeriodFieldNumber));
  std::string out;
  v1::ComparabilityWarning slow;
  for (const ComparabilityWarning& w : warnings) {
    std::string body;
    if (!w.figures.empty()) {  // Figures that are not rows: the rare way.
      slow.Clear();
      ToProto(*dataset_, w, &slow);
      body = slow.SerializeAsString();
    } else {
      body = Int32Field(W::kCodeFieldNumber, static_cast<int32_t>(w.code)) +
             StringField(W::kMessageFieldNumber, w.message);
      for (uint32_t row : w.rows) {
        // Each key: tag, length, then its fields from the fragments.
        const Observation& o = dataset_->observations()[row];
        size_t size = indicator_ids_[o.indicator].size() +
                      region_codes_[o.region].size() + 2 +
                      PeriodLength(o.period);
        for (uint32_t s : dataset_->sources_of(o)) {
          size += key_source_ids_[s].size();
        }
        const size_t at = body.size();
        body.resize(at + 1 + 5 + size + kSlack);
        uint8_t* p = reinterpret_cast<uint8_t*>(body.data()) + at;
        *p++ = Tag(W::kFiguresFieldNumber, kLengthDelimited);
        p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(size),
                                                    p);
        p = Write(indicator_ids_[o.indicator], p);
        p = Write(region_codes_[o.region], p);
        p = WritePeriod(o.period, p);
        for (uint32_t s : dataset_->sources_of(o)) {
          p = Write(key_source_ids_[s], p);
        }
        body.resize(p - reinterpret_cast<uint8_t*>(body.data()));
      }
      if (w.figure_count != 0) {
        uint8_t buffer[16];
        uint8_t* p = CodedOutputStream::WriteVarint32ToArray(
            Tag(W::kFigureCountFieldNumber, kVarint), buffer);
        p = CodedOutputStream::WriteVarint64ToArray(
            static_cast<uint64_t>(w.figure_count), p);
        body.append(reinterpret_cast<char*>(buffer), p - buffer);
      }
    }
    // Never empty (a warning has a code), so StringField writes it.
    out +=
        StringField(v1::QueryObservationsResponse::kWarningsFieldNumber, body);
  }
  return out;
}

}  // namespace indicators::rpc
