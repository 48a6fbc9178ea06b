#ifndef INDICATORS_SERVER_WIRE_ENCODED_DATASET_H_
#define INDICATORS_SERVER_WIRE_ENCODED_DATASET_H_

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/core/analysis/comparability.h"
#include "server/core/dataset/dataset.h"
#include "server/wire/response_budget.h"

namespace indicators::rpc {

// The protobuf wire bytes of one dataset version, prepared once so that
// responses are assembled by copying bytes rather than building messages.
// Catalog items are serialized whole; each observation is written from
// per-indicator, per-region, per-source and per-note fragments. The bytes are
// exactly what protobuf's own serializer produces for the same messages.
// Immutable and thread-safe after construction.
class EncodedDataset {
 public:
  // Encodes `dataset`; pages and stream messages are allocated from `budget`
  // (unbounded if null).
  explicit EncodedDataset(std::shared_ptr<const Dataset> dataset,
                          std::shared_ptr<ResponseBudget> budget = nullptr);

  const Dataset& dataset() const { return *dataset_; }

  // Return one serialized `Indicator`, `Region` or `Source`.
  grpc::ByteBuffer Indicator(uint32_t index) const;
  grpc::ByteBuffer Region(uint32_t index) const;
  grpc::ByteBuffer Source(uint32_t index) const;

  // Returns a serialized List*Response: `items` of the table as field 1, then
  // `next_page_token` (field 2) and the dataset version (field 3). Pages and
  // stream messages are RESOURCE_EXHAUSTED when the budget is full.
  absl::StatusOr<grpc::ByteBuffer> IndicatorPage(
      absl::Span<const uint32_t> items,
      absl::string_view next_page_token) const;
  absl::StatusOr<grpc::ByteBuffer> RegionPage(
      absl::Span<const uint32_t> items,
      absl::string_view next_page_token) const;
  absl::StatusOr<grpc::ByteBuffer> SourcePage(
      absl::Span<const uint32_t> items,
      absl::string_view next_page_token) const;

  // Returns a serialized QueryObservationsResponse of observation `rows`,
  // ending with `tail` (encoded fields numbered after the others: warnings).
  absl::StatusOr<grpc::ByteBuffer> QueryPage(absl::Span<const uint32_t> rows,
                                             absl::string_view next_page_token,
                                             absl::string_view tail = "") const;
  // Returns `warnings` as the `warnings` field (4) of a
  // QueryObservationsResponse or StreamObservationsResponse, to pass as
  // `tail`; "" for none. Figures named by row are written from fragments.
  std::string Warnings(const std::vector<ComparabilityWarning>& warnings) const;

  // Returns a serialized StreamObservationsResponse of observation `rows`
  // that resumes with `resume_token`, ending with `tail`.
  absl::StatusOr<grpc::ByteBuffer> StreamBatch(
      absl::Span<const uint32_t> rows, absl::string_view resume_token,
      absl::string_view tail = "") const;

 private:
  // Returns a List*Response of `items` of `table` (all share one layout).
  absl::StatusOr<grpc::ByteBuffer> Page(
      const std::vector<std::string>& table, absl::Span<const uint32_t> items,
      absl::string_view next_page_token) const;
  absl::StatusOr<grpc::ByteBuffer> Observations(
      absl::Span<const uint32_t> rows, absl::string_view next_page_token,
      int token_field, int version_field, absl::string_view tail) const;
  // The encoded `derived` and `derivation` fields of derived row `row`.
  const std::string& DerivedTail(uint32_t row) const {
    return derived_tails_[row - dataset_->published_observation_count()];
  }
  // The encoded bytes of one or more fields. Short ones (nearly all: ids are
  // usually a few bytes) are copied with one fixed 32-byte move into a buffer
  // with `kSlack` spare bytes; long ones (notes, long ids) with memcpy. A
  // larger fixed move would write many more bytes than it keeps.
  struct Fragment {
    static constexpr size_t kInline = 31;
    uint8_t size_class = 0;  // Size if <= kInline, else kLong.
    uint8_t bytes[kInline];
    std::string long_bytes;
    size_t size() const {
      return size_class <= kInline ? size_class : long_bytes.size();
    }
  };
  static constexpr uint8_t kLong = 255;
  static constexpr size_t kSlack = Fragment::kInline;
  static Fragment MakeFragment(std::string bytes);
  static uint8_t* Write(const Fragment& f, uint8_t* out);

  // Returns the size of observation `row`'s message body.
  size_t ObservationSize(uint32_t row) const;
  // Writes observation `row` (tag, length, body) at `out`; returns the end.
  uint8_t* WriteObservation(uint32_t row, uint8_t* out) const;

  // Returns a buffer of `size` bytes written by `write`, which may scribble
  // up to `slack` bytes past the end, allocated from the budget.
  template <typename WriteFn>
  absl::StatusOr<grpc::ByteBuffer> Build(size_t size, WriteFn write,
                                         size_t slack = 0) const;

  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<ResponseBudget> budget_;
  std::vector<std::string> indicators_, regions_, sources_;  // Messages.
  // Observation fields 1 (indicator_id) and 5-6 (unit, unit_multiplier).
  std::vector<Fragment> indicator_ids_, indicator_units_;
  std::vector<Fragment> region_codes_;      // Field 2.
  std::vector<Fragment> source_ids_;        // Field 9, one entry.
  std::vector<Fragment> key_source_ids_;    // ObservationKey field 4.
  std::vector<Fragment> notes_;             // Field 10; empty for "".
  std::vector<uint32_t> body_sizes_;        // Of each observation row.
  std::vector<std::string> derived_tails_;  // By derived row.
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_WIRE_ENCODED_DATASET_H_
