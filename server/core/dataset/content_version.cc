#include "server/core/dataset/content_version.h"

#include <cstdint>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/core/base/sha256.h"
#include "server/core/dataset/model.h"

namespace indicators {
namespace {

// Feeds SHA-256 through a fixed buffer: fields are written into it with a
// pointer, and it is hashed in a few large updates.
class HashWriter {
 public:
  HashWriter() : buffer_(new char[kSize]), end_(buffer_.get()) {}

  // Adds `text` as its length (4 bytes, little-endian) and its bytes.
  void Text(absl::string_view text) {
    Number(text.size(), 4);
    if (text.size() > kSize - kRoom) {
      Flush();
      hash_.Update(text);
      return;
    }
    Reserve(text.size());
    std::memcpy(end_, text.data(), text.size());
    end_ += text.size();
  }
  // Adds the low `bytes` bytes of `n`, little-endian.
  void Number(uint64_t n, int bytes) {
    Reserve(sizeof(n));
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
    std::memcpy(end_, &n, sizeof(n));  // Writes 8; keeps `bytes`.
    end_ += bytes;
  }
  // Starts a table: its name and how many records follow.
  void Table(absl::string_view name, size_t records) {
    Text(name);
    Number(records, 8);
  }
  std::string HexDigest() {
    Flush();
    return hash_.HexDigest();
  }

 private:
  static constexpr size_t kSize = 1 << 16;
  static constexpr size_t kRoom = 64;  // Always free after `Reserve`.
  void Reserve(size_t bytes) {
    if (static_cast<size_t>(buffer_.get() + kSize - end_) < bytes + kRoom) {
      Flush();
    }
  }
  void Flush() {
    hash_.Update(absl::string_view(buffer_.get(), end_ - buffer_.get()));
    end_ = buffer_.get();
  }

  Sha256 hash_;
  std::unique_ptr<char[]> buffer_;
  char* end_;
};

uint64_t BitsOf(double value) {
  if (value == 0) value = 0;  // -0.0 is served as 0.
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

}  // namespace

std::string ContentVersion(const DatasetTables& tables) {
  HashWriter out;
  out.Table("indicators", tables.indicators.size());
  for (const Indicator& i : tables.indicators) {
    out.Text(i.id);
    out.Text(i.name);
    out.Text(i.unit);
    out.Text(absl::StrCat(i.unit_multiplier));
    out.Text(i.description);
    out.Text(AggregationName(i.aggregation));
  }
  out.Table("regions", tables.regions.size());
  for (const Region& r : tables.regions) {
    out.Text(r.code);
    out.Text(r.name);
    out.Text(RegionTypeName(r.type));
    out.Text(r.parent_code);
  }
  out.Table("sources", tables.sources.size());
  for (const Source& s : tables.sources) {
    out.Text(s.id);
    out.Text(s.publisher);
    out.Text(s.title);
    out.Text(s.published.text);
    out.Text(s.url);
    out.Text(ReliabilityName(s.reliability));
    out.Text(s.note);
  }
  // Indicators, regions and sources are referred to by their position in the
  // tables hashed above.
  out.Table("observations", tables.observations.size());
  for (const Observation& o : tables.observations) {
    out.Number(o.indicator, 4);
    out.Number(o.region, 4);
    out.Number(static_cast<uint32_t>(o.period.year()), 4);
    out.Number(static_cast<uint32_t>(o.period.month()), 1);
    out.Number(BitsOf(o.value), 8);
    out.Number(static_cast<uint8_t>(o.qualifier), 1);
    out.Number(static_cast<uint8_t>(o.status), 1);
    const absl::Span<const uint32_t> sources = tables.source_sets[o.source_set];
    out.Number(sources.size(), 2);
    for (uint32_t s : sources) out.Number(s, 4);
    out.Text(tables.notes[o.note]);
  }
  return out.HexDigest();
}

}  // namespace indicators
