#include "server/core/change/dataset_diff.h"

#include <tuple>

#include "absl/strings/string_view.h"

namespace indicators {
namespace {

// A figure's position in the query order, comparable across versions (ids,
// not indexes).
std::tuple<absl::string_view, absl::string_view, int32_t> FigureOf(
    const Dataset& d, const Observation& o) {
  return {d.indicators()[o.indicator].id, d.regions()[o.region].code,
          o.period.sort_key()};
}

bool SameSources(const Dataset& a, const Observation& oa, const Dataset& b,
                 const Observation& ob) {
  absl::Span<const uint32_t> sa = a.sources_of(oa), sb = b.sources_of(ob);
  if (sa.size() != sb.size()) return false;
  for (size_t i = 0; i < sa.size(); ++i) {
    if (a.sources()[sa[i]].id != b.sources()[sb[i]].id) return false;
  }
  return true;
}

bool SameContent(const Dataset& a, const Observation& oa, const Dataset& b,
                 const Observation& ob) {
  return oa.value == ob.value && oa.qualifier == ob.qualifier &&
         oa.status == ob.status && oa.reliability == ob.reliability &&
         a.note_of(oa) == b.note_of(ob);
}

}  // namespace

namespace {

// The changes between rows [i, end) of `before` and [j, end) of `after`.
std::vector<RowChange> DiffRows(const Dataset& before, const Dataset& after,
                                size_t i, size_t j) {
  std::vector<RowChange> out;
  const auto& old_rows = before.observations();
  const auto& new_rows = after.observations();
  std::vector<bool> matched;
  while (i < old_rows.size() || j < new_rows.size()) {
    // The next figure in either version, and its rows in each.
    const bool take_old =
        j == new_rows.size() ||
        (i < old_rows.size() &&
         FigureOf(before, old_rows[i]) <= FigureOf(after, new_rows[j]));
    const auto figure =
        take_old ? FigureOf(before, old_rows[i]) : FigureOf(after, new_rows[j]);
    size_t i_end = i, j_end = j;
    while (i_end < old_rows.size() &&
           FigureOf(before, old_rows[i_end]) == figure) {
      ++i_end;
    }
    while (j_end < new_rows.size() &&
           FigureOf(after, new_rows[j_end]) == figure) {
      ++j_end;
    }
    matched.assign(i_end - i, false);
    for (size_t n = j; n < j_end; ++n) {
      bool found = false;
      for (size_t o = i; o < i_end; ++o) {
        if (matched[o - i] ||
            !SameSources(before, old_rows[o], after, new_rows[n])) {
          continue;
        }
        matched[o - i] = found = true;
        if (!SameContent(before, old_rows[o], after, new_rows[n])) {
          out.push_back({ChangeKind::kRevised, static_cast<uint32_t>(n)});
        }
        break;
      }
      if (!found) out.push_back({ChangeKind::kAdded, static_cast<uint32_t>(n)});
    }
    for (size_t o = i; o < i_end; ++o) {
      if (!matched[o - i]) {
        out.push_back({ChangeKind::kWithdrawn, static_cast<uint32_t>(o)});
      }
    }
    i = i_end;
    j = j_end;
  }
  return out;
}

}  // namespace

std::vector<RowChange> DiffDatasets(const Dataset& before,
                                    const Dataset& after) {
  return DiffRows(before, after, 0, 0);
}

std::vector<RowChange> DiffDerivedRows(const Dataset& before,
                                       const Dataset& after) {
  return DiffRows(before, after, before.published_observation_count(),
                  after.published_observation_count());
}

}  // namespace indicators
