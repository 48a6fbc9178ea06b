#ifndef INDICATORS_SERVER_WIRE_ENCODED_COLUMNS_H_
#define INDICATORS_SERVER_WIRE_ENCODED_COLUMNS_H_

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/core/dataset/dataset.h"
#include "server/core/query/observation_query.h"
#include "server/wire/response_budget.h"

namespace indicators::rpc {

// The observations of one dataset version as the columns of
// `indicators.v1.ObservationColumns`, laid out once in their wire form (codes
// of a width that fits each dictionary, little-endian doubles, one byte per
// enum), and the dictionaries' entries encoded once. A batch of
// `StreamObservationColumns` is then mostly references: a run of consecutive
// rows is one slice of each column, which gRPC writes to the socket as it is
// (Arrow Flight's zero-copy body); a batch of many short runs is copied into
// one buffer from the response budget. The bytes parse as the same message
// protobuf's serializer would write. Immutable and thread-safe after
// construction; the columns stay alive while any slice of them does.
class EncodedColumns {
 public:
  // Lays out `dataset`'s columns (about 17 bytes an observation). Copied
  // batches are allocated from `budget` (unbounded if null).
  explicit EncodedColumns(std::shared_ptr<const Dataset> dataset,
                          std::shared_ptr<ResponseBudget> budget = nullptr);

  // The dictionaries of `ObservationDictionaries`, in field order.
  enum Dictionary { kIndicators, kRegions, kPeriods, kSourceSets, kNotes };
  static constexpr int kDictionaries = 5;

  // Which dictionary entries one stream has sent.
  class SentEntries {
   public:
    explicit SentEntries(const EncodedColumns& columns);

   private:
    friend class EncodedColumns;
    struct Entries {
      std::vector<bool> sent;  // By code.
      size_t unsent = 0;
      std::vector<uint32_t> added;  // Scratch: the codes a batch adds.
    };
    std::array<Entries, kDictionaries> entries_;
  };

  const Dataset& dataset() const { return *dataset_; }
  // Bytes per code of `dictionary`: 1, 2 or 4.
  uint32_t width(Dictionary dictionary) const {
    return codes_[dictionary].width;
  }

  // Returns a serialized StreamObservationColumnsResponse of the rows in
  // `runs` (in order), with the dictionary entries they use that `sent`
  // lacks (which it then has), resuming with `resume_token`.
  // RESOURCE_EXHAUSTED when a copied batch does not fit the budget.
  absl::StatusOr<grpc::ByteBuffer> Batch(absl::Span<const RowRun> runs,
                                         SentEntries* sent,
                                         absl::string_view resume_token) const;

 private:
  // One column: `width` bytes per observation row.
  struct Column {
    uint32_t width = 0;
    grpc::Slice slice;  // Owns the bytes; sub-slices reference them.
    const uint8_t* data = nullptr;
  };
  static Column MakeColumn(uint32_t width, std::vector<uint8_t> bytes);
  // Writes every row's columns in one pass; a row's period is coded as
  // `period_code[sort key - min_key]`, one of `period_count` codes.
  void WriteColumns(const std::vector<uint32_t>& period_code, int32_t min_key,
                    size_t period_count);
  // Encodes every dictionary entry; `periods` are the distinct periods in
  // code order.
  void EncodeEntries(const std::vector<Period>& periods);
  // Adds to `sent` the entries of `dictionary` that `runs` use first.
  void MarkUsed(Dictionary dictionary, absl::Span<const RowRun> runs,
                SentEntries::Entries* sent) const;
  // The encoded sizes of one CodeColumn message and of an ObservationColumns
  // message of `rows` rows.
  static size_t CodeColumnSize(const Column& c, uint32_t rows);
  size_t ColumnsSize(uint32_t rows) const;
  // Adds to `sent` the indicator and region entries that `runs` use first,
  // from the series the runs cover (a few per batch) rather than each row.
  void MarkSeries(absl::Span<const RowRun> runs, SentEntries* sent) const;
  template <typename Sink>
  void Write(absl::Span<const RowRun> runs, uint32_t rows,
             const SentEntries& sent, size_t dictionaries_size,
             absl::string_view resume_token, Sink* out) const;

  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<ResponseBudget> budget_;
  std::array<Column, kDictionaries> codes_;
  Column values_, qualifiers_, statuses_, reliabilities_;
  // Each entry as a field of ObservationDictionaries (tag, length, message).
  std::array<std::vector<std::string>, kDictionaries> entries_;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_WIRE_ENCODED_COLUMNS_H_
