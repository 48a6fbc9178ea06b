#ifndef INDICATORS_SERVER_CORE_DATASET_VALUE_BOUNDS_H_
#define INDICATORS_SERVER_CORE_DATASET_VALUE_BOUNDS_H_

// The interval a figure's source allows: what its qualifier and its stated
// precision say about the true value. The convention (the proto's
// `ValueBounds` documents it for callers):
// - The rounding unit of a value is the place of its last nonzero digit in
//   its shortest decimal spelling: 480.26 -> 0.01, 460 -> 10, 75000 -> 1000.
//   The dataset does not keep how a figure was written, so trailing zeros are
//   taken as rounding: bounds err wide, never narrow.
// - exact v:  [v - unit/2, v + unit/2)  (rounded half up, as tables are)
// - about v:  [v - unit/2, v + unit/2]  (rounded, in either direction)
// - over v:   (v, +inf)
// - under v:  [0, v) for v > 0 (every published indicator is a non-negative
//             amount, count, share or rate); (-inf, v) otherwise
// - nearly v: [v - unit, v) for v > 0, (v, v + unit] for v < 0 (just short of
//             v in size, by less than one rounding unit)
// - a value of 0: [0, 0] exact or about, (0, +inf) over, (-inf, 0) under or
//   nearly.
// A derived ratio's bounds are its inputs' bounds divided (interval
// arithmetic), in the derived indicator's unit.

#include <cstdint>

#include "server/core/base/interval.h"
#include "server/core/dataset/model.h"

namespace indicators {

class Dataset;

// The place of `value`'s last nonzero digit as a power of ten; 0 for 0 or a
// value that is not finite.
double RoundingUnit(double value);

// The bounds of `value` stated with qualifier `q`.
Interval StatedBounds(double value, Qualifier q);

// numerator / denominator x scale in units of 10^out_multiplier, from inputs
// in 10^num_multiplier and 10^den_multiplier (as `RatioValue` computes a
// point).
Interval RatioBounds(const Interval& numerator, int32_t num_multiplier,
                     const Interval& denominator, int32_t den_multiplier,
                     double scale, int32_t out_multiplier);

// The bounds of row `row` of `dataset` in its indicator's unit: stated for a
// published row, from its inputs' for a derived one.
Interval RowBounds(const Dataset& dataset, uint32_t row);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_VALUE_BOUNDS_H_
