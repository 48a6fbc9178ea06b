"""Observations from `StreamObservationColumns` as numpy arrays and DataFrames.

Each message of the column export carries a batch of rows as columns: ids as
codes into dictionaries (each entry sent once per stream), values as
little-endian doubles, qualifiers, statuses and grades as one byte each. The
decoder keeps the columns as numpy views of the received bytes
(`numpy.frombuffer`), joins them once at the end and maps codes with array
indexing, so no Python code runs per row. Needs numpy (and pandas for
`frame`), imported only when a decoder is made.
"""

from __future__ import annotations

from typing import Dict, List

from indicators.v1 import indicator_service_pb2 as service_pb2
from indicators.v1 import resources_pb2

_CODE_COLUMNS = ("indicators", "regions", "periods", "source_sets", "notes")
_BYTE_COLUMNS = ("qualifiers", "statuses", "reliabilities")


class ColumnDataError(ValueError):
    """A batch that does not decode: a column of the wrong length, an unknown
    width, or a code that no dictionary entry gave."""


class ColumnDecoder:
    """Collects the batches of one column export (or of its resumed streams:
    a code means the same entry in every stream of one dataset version)."""

    def __init__(self) -> None:
        import numpy  # noqa: F401  (fails early when numpy is missing)

        # Entries by code, per dictionary.
        self._indicators: Dict[int, service_pb2.IndicatorEntry] = {}
        self._strings: Dict[str, Dict[int, str]] = {
            "regions": {}, "periods": {}, "notes": {}}
        self._source_sets: Dict[int, str] = {}
        self._batches: Dict[str, List] = {
            name: [] for name in _CODE_COLUMNS + ("values",) + _BYTE_COLUMNS}
        self.rows = 0
        self.dataset_version = ""

    def add(self, message: service_pb2.StreamObservationColumnsResponse) -> None:
        """Adds one message: its dictionary entries, then its rows."""
        d = message.dictionaries
        for e in d.indicators:
            self._indicators[e.code] = e
        for name in ("regions", "periods", "notes"):
            entries = self._strings[name]
            for e in getattr(d, name):
                entries[e.code] = e.value
        for e in d.source_sets:
            self._source_sets[e.code] = ";".join(e.source_ids)
        self.dataset_version = message.dataset_version

        c = message.columns
        n = c.row_count
        arrays = {}
        for name in _CODE_COLUMNS:
            column = getattr(c, name)
            dtype = {1: "<u1", 2: "<u2", 4: "<u4"}.get(column.width)
            if dtype is None:
                raise ColumnDataError(
                    f"columns.{name}.width: {column.width} is not 1, 2 or 4")
            arrays[name] = self._array(name, column.codes, dtype, n)
        arrays["values"] = self._array("values", c.values, "<f8", n)
        for name in _BYTE_COLUMNS:
            arrays[name] = self._array(name, getattr(c, name), "u1", n)
        for name, array in arrays.items():
            self._batches[name].append(array)
        self.rows += n

    @staticmethod
    def _array(name: str, data: bytes, dtype: str, rows: int):
        import numpy

        itemsize = numpy.dtype(dtype).itemsize
        if len(data) != rows * itemsize:
            raise ColumnDataError(
                f"columns.{name}: {len(data)} bytes for {rows} rows of "
                f"{itemsize} bytes")
        return numpy.frombuffer(data, dtype=dtype)

    def _joined(self, name: str):
        import numpy

        batches = self._batches[name]
        if not batches:  # The dtype each column has when it has rows.
            dtype = ("<u4" if name in _CODE_COLUMNS else
                     "<f8" if name == "values" else "u1")
            return numpy.zeros(0, dtype=dtype)
        return numpy.concatenate(batches)

    def _dense(self, name: str, codes, entries: Dict):
        """Returns codes renumbered 0..k-1 in code order, and the k values."""
        import numpy

        known = numpy.array(sorted(entries), dtype=numpy.int64)
        values = [entries[int(k)] for k in known]
        top = int(codes.max()) if len(codes) else -1
        if len(known) == 0 or int(known[-1]) == len(known) - 1:
            # Codes 0..k-1 all known (an export of everything): as they are.
            if top >= len(known):
                self._unknown(name, codes, codes >= len(known))
            return codes, values
        remap = numpy.full(max(top, int(known[-1])) + 1, -1, dtype=numpy.int32)
        remap[known] = numpy.arange(len(known), dtype=numpy.int32)
        dense = remap[codes]
        if len(dense) and dense.min() < 0:
            self._unknown(name, codes, dense < 0)
        return dense, values

    @staticmethod
    def _unknown(name: str, codes, bad) -> None:
        import numpy

        row = int(numpy.argmax(bad))
        raise ColumnDataError(
            f"columns.{name}: row {row} has code {int(codes[row])} that no "
            "dictionary entry gave")

    def arrays(self) -> Dict[str, "numpy.ndarray"]:
        """Returns every row so far as numpy arrays, one per column.

        `indicator_id`, `region_code`, `period`, `source_ids` (ids joined with
        ';'), `note`, `unit` (object arrays of str); `value` (float64);
        `unit_multiplier` (int32); `qualifier`, `status`, `reliability` (uint8,
        the enums' numbers); `derived` (bool).
        """
        import numpy

        out = {}
        indicator_codes, indicators = self._dense(
            "indicators", self._joined("indicators"), self._indicators)
        for key, attr, dtype in (("indicator_id", "id", object),
                                 ("unit", "unit", object),
                                 ("unit_multiplier", "unit_multiplier", numpy.int32),
                                 ("derived", "derived", bool)):
            table = numpy.array([getattr(e, attr) for e in indicators] or [],
                                dtype=dtype)
            out[key] = table[indicator_codes] if len(table) else table
        for key, name, entries in (("region_code", "regions", self._strings["regions"]),
                                   ("period", "periods", self._strings["periods"]),
                                   ("source_ids", "source_sets", self._source_sets),
                                   ("note", "notes", self._strings["notes"])):
            codes, values = self._dense(name, self._joined(name), entries)
            table = numpy.array(values, dtype=object)
            out[key] = table[codes] if len(table) else table
        out["value"] = self._joined("values")
        for key, name in (("qualifier", "qualifiers"), ("status", "statuses"),
                          ("reliability", "reliabilities")):
            out[key] = self._joined(name)
        return out

    def frame(self) -> "pandas.DataFrame":
        """Returns every row so far as a DataFrame with `to_pandas`'s columns,
        in its order, the ids as categoricals of the dictionaries' values
        (compare with `to_pandas` after `.astype(str)`), the enums as the same
        ordered categoricals of their names."""
        import numpy
        import pandas

        def categorical(name: str, entries: Dict):
            codes, values = self._dense(name, self._joined(name), entries)
            return pandas.Categorical.from_codes(codes, categories=values)

        indicator_codes, indicators = self._dense(
            "indicators", self._joined("indicators"), self._indicators)

        def per_indicator(attr: str, dtype):
            table = numpy.array([getattr(e, attr) for e in indicators], dtype=dtype)
            return table[indicator_codes] if len(table) else numpy.zeros(0, dtype)

        def names(enum, prefix: str, name: str):
            categories = [n.removeprefix(prefix).lower() for n in enum.keys()
                          if not n.endswith("_UNSPECIFIED")]
            # Enum numbers count from 1; 0 (unspecified) and unknown numbers
            # become missing.
            table = numpy.full(256, -1, dtype=numpy.int8)
            table[1:len(categories) + 1] = numpy.arange(len(categories))
            return pandas.Categorical.from_codes(
                table[self._joined(name).astype(numpy.uint8, copy=False)],
                categories=categories, ordered=True)

        # Units as a categorical too: each indicator's unit, by its code.
        units = sorted({e.unit for e in indicators})
        unit_codes = numpy.array([units.index(e.unit) for e in indicators],
                                 dtype=numpy.int32)
        return pandas.DataFrame({
            "indicator_id": pandas.Categorical.from_codes(
                indicator_codes, categories=[e.id for e in indicators]),
            "region_code": categorical("regions", self._strings["regions"]),
            "period": categorical("periods", self._strings["periods"]),
            "value": self._joined("values"),
            "unit": pandas.Categorical.from_codes(
                unit_codes[indicator_codes] if len(unit_codes)
                else numpy.zeros(0, numpy.int32), categories=units),
            "unit_multiplier": per_indicator("unit_multiplier", numpy.int32),
            "qualifier": names(resources_pb2.Qualifier, "QUALIFIER_", "qualifiers"),
            "status": names(resources_pb2.ObservationStatus,
                            "OBSERVATION_STATUS_", "statuses"),
            "reliability": names(resources_pb2.SourceReliability,
                                 "SOURCE_RELIABILITY_", "reliabilities"),
            "source_ids": categorical("source_sets", self._source_sets),
            "note": categorical("notes", self._strings["notes"]),
            "derived": per_indicator("derived", bool),
        }, copy=False)
