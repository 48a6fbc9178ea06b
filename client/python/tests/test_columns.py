"""The column export through the Python client, against a live server on the
frozen innovation dataset ($INDICATORS_INNOVATION_DATA), with small batches
(--stream_batch_size=5) so that exports span many messages: the same rows as
the row stream as a DataFrame and as numpy arrays, derived rows, resuming
from a token of either stream, an empty result, and a refused bad batch.
"""

import os
import unittest

import numpy
import pandas

from live_server import start_server, stop_server

from indicators_client import (ColumnDataError, ColumnDecoder, Filter,
                               IndicatorClient, to_pandas)
from indicators.v1 import indicator_service_pb2 as service_pb2

ID_COLUMNS = ["indicator_id", "region_code", "period", "unit", "source_ids",
              "note"]


class ColumnExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, cls.target = start_server(
            f"--data={os.environ['INDICATORS_INNOVATION_DATA']}",
            "--stream_batch_size=5")
        cls.client = IndicatorClient(cls.target)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        stop_server(cls.server)

    def assert_same_frame(self, rows, columns):
        """`columns` (export_frame) holds what `rows` (to_pandas) holds."""
        self.assertEqual(list(columns.columns), list(rows.columns))
        self.assertEqual(len(columns), len(rows))
        pandas.testing.assert_frame_equal(
            columns.astype({c: str for c in ID_COLUMNS}).astype(
                {c: object for c in ID_COLUMNS}),
            rows.astype({c: object for c in ID_COLUMNS}))

    def test_the_frame_holds_the_row_streams_rows(self):
        for flt in (Filter(),
                    Filter(indicator_ids=["rd_intensity", "rd_intensity_derived"],
                           region_codes=["CN-GD"]),
                    Filter(preferred=True, start_period="2019"),
                    Filter(source_ids=["S1"])):
            with self.subTest(flt=flt):
                rows = to_pandas(self.client.stream(flt))
                self.assertGreater(len(rows), 0)
                columns = self.client.export_frame(flt)
                self.assert_same_frame(rows, columns)
                # Ids are categoricals of the dictionaries' values.
                self.assertEqual(columns["region_code"].dtype, "category")
                self.assertEqual(columns["value"].dtype, numpy.float64)

    def test_derived_rows_say_so(self):
        frame = self.client.export_frame(Filter(
            indicator_ids=["rd_intensity", "rd_intensity_derived"]))
        derived = frame[frame["derived"]]
        self.assertGreater(len(derived), 0)
        self.assertEqual(set(derived["indicator_id"]), {"rd_intensity_derived"})
        self.assertGreater(len(frame) - len(derived), 0)

    def test_arrays_match_the_rows(self):
        flt = Filter(indicator_ids=["rd_expenditure"])
        rows = list(self.client.stream(flt))
        arrays = self.client.export_arrays(flt)
        self.assertEqual(arrays["value"].dtype, numpy.float64)
        numpy.testing.assert_array_equal(arrays["value"], [o.value for o in rows])
        self.assertEqual(list(arrays["region_code"]), [o.region_code for o in rows])
        self.assertEqual(list(arrays["source_ids"]),
                         [";".join(o.source_ids) for o in rows])
        self.assertEqual(list(arrays["status"]), [o.status for o in rows])

    def test_a_token_of_either_stream_resumes_the_other(self):
        everything = to_pandas(self.client.stream())
        decoder = ColumnDecoder()
        batches = self.client.stream_column_batches()
        for _ in range(3):
            message = next(batches)
            decoder.add(message)
        batches.close()
        token = message.resume_token
        head = decoder.frame()
        tail = to_pandas(o for b in self.client.stream_batches(resume_token=token)
                         for o in b.observations)
        self.assertEqual(len(head) + len(tail), len(everything))
        joined = pandas.concat(
            [head.astype({c: str for c in ID_COLUMNS}).astype(
                {c: object for c in ID_COLUMNS}),
             tail.astype({c: object for c in ID_COLUMNS})], ignore_index=True)
        pandas.testing.assert_frame_equal(
            joined, everything.astype({c: object for c in ID_COLUMNS}))

    def test_an_empty_result_is_an_empty_frame(self):
        frame = self.client.export_frame(Filter(start_period="1990",
                                                end_period="1990"))
        self.assertEqual(len(frame), 0)
        self.assertEqual(list(frame.columns), list(to_pandas([]).columns))
        arrays = self.client.export_arrays(Filter(start_period="1990",
                                                  end_period="1990"))
        self.assertEqual(arrays["value"].dtype, numpy.float64)
        self.assertEqual(arrays["status"].dtype, numpy.uint8)
        self.assertEqual(len(arrays["region_code"]), 0)

    def test_a_bad_batch_is_refused(self):
        message = next(iter(self.client.stream_column_batches()))
        bad = service_pb2.StreamObservationColumnsResponse()
        bad.CopyFrom(message)
        bad.columns.values = bad.columns.values[:-1]
        with self.assertRaisesRegex(ColumnDataError, "columns.values"):
            ColumnDecoder().add(bad)
        unknown = service_pb2.StreamObservationColumnsResponse()
        unknown.CopyFrom(message)
        unknown.ClearField("dictionaries")
        decoder = ColumnDecoder()
        decoder.add(unknown)
        with self.assertRaisesRegex(ColumnDataError, "no dictionary entry"):
            decoder.frame()


if __name__ == "__main__":
    unittest.main()
