"""Tests of the Python client against a live indicators-server.

The server binary comes from $INDICATORS_SERVER and serves the frozen test
dataset in $INDICATORS_TEST_DATA; it is started on 127.0.0.1 with port 0 and
stopped at the end.
"""

import dataclasses
import hashlib
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import unittest

import grpc

from live_server import start_server, stop_server

from indicators.v1 import resources_pb2
from indicators_client import (Filter, IndicatorClient, IndicatorServiceError,
                               qualifier_name, to_pandas)

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
BATCH = 7  # Observations per stream message: many messages for any query.


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, cls.target = start_test_server(f"--stream_batch_size={BATCH}")
        cls.client = IndicatorClient(cls.target)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        stop_server(cls.server)

    def test_what_was_known_when(self):
        flt = Filter(indicator_ids=["rd_expenditure"], region_codes=["CN-GD"],
                     start_period="2023", end_period="2023", preferred=True,
                     known_on="2024-03-01")
        [early] = self.client.query(flt)
        self.assertEqual((early.value, early.qualifier),
                         (460, resources_pb2.QUALIFIER_ABOUT))
        [late] = self.client.query(dataclasses.replace(flt, known_on="2025-01-01"))
        self.assertEqual(late.value, 480.26)
        history = self.client.history("rd_expenditure", "CN-GD", "2023")
        self.assertEqual([v.known_from for v in history],
                         ["2024-01-23", "2024-02-19", "2024-02-19", "2024-10-08"])
        self.assertEqual(history[-1].observation.source_ids, ["S13"])
        with self.assertRaises(IndicatorServiceError) as caught:
            self.client.query(dataclasses.replace(flt, known_on="2024"))
        self.assertEqual(caught.exception.reason, "INVALID_DATE")

    def test_to_pandas_gives_typed_columns_for_query_and_stream(self):
        import pandas
        flt = Filter(indicator_ids=["rd_expenditure", "rd_intensity"], region_codes=["CN-GD"])
        rows = self.client.query(flt)
        frame = to_pandas(rows)
        self.assertEqual(len(frame), len(rows))
        self.assertEqual(str(frame["value"].dtype), "float64")
        self.assertEqual(str(frame["unit_multiplier"].dtype), "int32")
        self.assertTrue(isinstance(frame["qualifier"].dtype, pandas.CategoricalDtype))
        self.assertTrue(frame["status"].cat.ordered)
        self.assertEqual(list(frame["status"].cat.categories),
                         ["final", "preliminary", "estimate"])
        for i, o in enumerate(rows):
            self.assertEqual(frame["value"][i], o.value)
            self.assertEqual(frame["qualifier"][i], qualifier_name(o.qualifier))
            self.assertEqual(frame["source_ids"][i], ";".join(o.source_ids))
        streamed = to_pandas(self.client.stream(flt))
        pandas.testing.assert_frame_equal(streamed, frame)
        self.assertEqual(len(to_pandas([])), 0)

    def test_seed_figures_come_back_exactly_with_qualifiers(self):
        rows = self.client.query(Filter(region_codes=["CN-GD"], start_period="2023",
                                        end_period="2023", source_ids=["SEED"]))
        seed = {o.indicator_id: (o.value, o.qualifier) for o in rows}
        self.assertEqual(seed, {
            "high_tech_enterprises": (75000, resources_pb2.QUALIFIER_OVER),
            "rd_expenditure": (460, resources_pb2.QUALIFIER_EXACT),
            "rd_expenditure_usd": (64.8, resources_pb2.QUALIFIER_ABOUT),
            "rd_personnel": (1350000, resources_pb2.QUALIFIER_EXACT),
            "valid_invention_patents": (665000, resources_pb2.QUALIFIER_OVER),
            "pct_applications": (23700, resources_pb2.QUALIFIER_EXACT),
        })

    def test_preferred_value_is_the_final_communique(self):
        rows = self.client.query(Filter(indicator_ids=["rd_expenditure"],
                                        region_codes=["CN-GD"], start_period="2023",
                                        end_period="2023", preferred=True))
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0].value, 480.26)
        self.assertEqual(rows[0].unit, "CNY")
        self.assertEqual(rows[0].unit_multiplier, 9)
        self.assertEqual(list(rows[0].source_ids), ["S13"])

    def test_catalog_calls(self):
        self.assertEqual(len(self.client.list_indicators()), 16)
        self.assertEqual(self.client.get_indicator("rd_personnel").unit, "persons")
        municipalities = self.client.list_regions(
            "CN", resources_pb2.REGION_TYPE_MUNICIPALITY)
        self.assertEqual([r.code for r in municipalities],
                         ["CN-BJ", "CN-CQ", "CN-SH", "CN-TJ"])
        self.assertEqual(self.client.get_region("CN-GD").name, "Guangdong")
        self.assertEqual(len(self.client.list_sources()), 64)
        self.assertEqual(self.client.get_source("SEED").reliability,
                         resources_pb2.SOURCE_RELIABILITY_NEWS)
        info = self.client.dataset_info()
        self.assertEqual(info.observation_count, 416)
        self.assertRegex(info.version, r"^[0-9a-f]{64}$")

    def test_errors_carry_the_grpc_code(self):
        with self.assertRaises(IndicatorServiceError) as caught:
            self.client.get_indicator("no_such_indicator")
        self.assertEqual(caught.exception.code, grpc.StatusCode.NOT_FOUND)
        self.assertEqual(caught.exception.reason, "UNKNOWN_INDICATOR")
        self.assertEqual(caught.exception.field, "id")
        with self.assertRaises(IndicatorServiceError) as caught:
            self.client.query(Filter(start_period="2023-13"))
        self.assertEqual(caught.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("filter.start_period", caught.exception.message)
        self.assertEqual(caught.exception.reason, "INVALID_PERIOD")
        self.assertEqual(caught.exception.field, "filter.start_period")
        with self.assertRaises(IndicatorServiceError) as caught:
            list(self.client.stream(Filter(region_codes=["XX"])))
        self.assertEqual(caught.exception.code, grpc.StatusCode.NOT_FOUND)
        self.assertEqual(caught.exception.reason, "UNKNOWN_REGION")
        self.assertEqual(caught.exception.field, "filter.region_codes[0]")

    def test_stream_delivers_every_row_over_many_messages(self):
        flt = Filter(region_codes=["CN"], include_subregions=True)
        paged = self.client.query(flt, page_size=50)
        batches = list(self.client.stream_batches(flt))
        streamed = [o for b in batches for o in b.observations]
        self.assertGreater(len(paged), 100)
        self.assertEqual(streamed, paged)
        self.assertEqual(len(batches), (len(paged) + BATCH - 1) // BATCH)

    def test_every_rpc_example_runs(self):
        out = subprocess.run(
            [sys.executable, str(EXAMPLES / "every_rpc.py"), "--target", self.target],
            capture_output=True, text=True, timeout=60, check=True).stdout
        self.assertRegex(out, r"high_tech_enterprises +CN-GD +2023 +over +75000 .* SEED")
        self.assertIn("an unknown id is NOT_FOUND", out)

    def test_plot_example_writes_a_png(self):
        with tempfile.TemporaryDirectory() as tmp:
            png = pathlib.Path(tmp) / "series.png"
            subprocess.run(
                [sys.executable, str(EXAMPLES / "plot_series.py"), "--target",
                 self.target, "--out", str(png)],
                capture_output=True, text=True, timeout=120, check=True)
            data = png.read_bytes()
            self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
            self.assertGreater(len(data), 10_000)


if __name__ == "__main__":
    unittest.main()


def start_test_server(*flags):
    """Starts indicators-server on the test dataset; returns (process, address)."""
    return start_server(f"--data={os.environ['INDICATORS_TEST_DATA']}", *flags)


class QuotaTest(unittest.TestCase):
    """A server that allows 5 calls a second to each caller without a token."""

    def setUp(self):
        self.server, self.target = start_test_server(
            "--anonymous_requests_per_second=5")

    def tearDown(self):
        stop_server(self.server)

    def test_a_refusal_says_when_to_retry(self):
        from indicators.v1 import indicator_service_pb2 as service_pb2
        from indicators.v1 import indicator_service_pb2_grpc as service_grpc
        from indicators_client import retry_delay
        with grpc.insecure_channel(self.target) as channel:
            stub = service_grpc.IndicatorServiceStub(channel)
            request = service_pb2.GetIndicatorRequest(id="rd_intensity")
            with self.assertRaises(grpc.RpcError) as raised:
                for _ in range(10):
                    stub.GetIndicator(request, timeout=5)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        delay = retry_delay(raised.exception)
        self.assertIsNotNone(delay)
        self.assertGreater(delay, 0)
        self.assertLessEqual(delay, 0.2)

    def test_the_client_waits_as_told_and_every_call_succeeds(self):
        with IndicatorClient(self.target) as client:
            start = time.monotonic()
            for _ in range(12):
                self.assertEqual(client.get_indicator("rd_intensity").id, "rd_intensity")
            # 5 at once, then 7 at 5 a second.
            self.assertGreaterEqual(time.monotonic() - start, 1.3)
            # An export refused for the rate starts again as told.
            self.assertGreater(len(list(client.stream())), 0)


class StreamQuotaTest(unittest.TestCase):
    """A server that allows one open stream to each caller without a token."""

    def test_a_watch_refused_for_too_many_streams_waits_and_starts(self):
        import threading
        from indicators.v1 import indicator_service_pb2 as service_pb2
        from indicators.v1 import indicator_service_pb2_grpc as service_grpc
        server, target = start_test_server("--anonymous_streams=1",
                                           "--watch_progress_interval=100ms")
        try:
            with grpc.insecure_channel(target) as channel:
                stub = service_grpc.IndicatorServiceStub(channel)
                held = stub.WatchObservations(service_pb2.WatchObservationsRequest(progress=True))
                next(held)  # The one stream is open.
                got = []
                errors = []

                def watch():
                    try:
                        with IndicatorClient(target) as client:
                            for message in client.watch(progress=True):
                                got.append(message)
                                return
                    except IndicatorServiceError as error:
                        errors.append(error)

                watcher = threading.Thread(target=watch)
                watcher.start()
                time.sleep(1.5)
                self.assertEqual(got, [], "admitted while the other stream was open")
                held.cancel()  # Gives the place back.
                watcher.join(timeout=10)
                self.assertEqual(errors, [])
                self.assertEqual(len(got), 1)
                self.assertEqual(got[0].event, service_pb2.WATCH_EVENT_PROGRESS)
        finally:
            stop_server(server)


class ReplicasTest(unittest.TestCase):
    """Two replicas of the same dataset with one page-token key."""

    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory()
        key = pathlib.Path(self.scratch.name) / "page_token.key"
        key.write_bytes(b"0123456789abcdef0123456789abcdef")
        self.servers = [start_test_server(f"--page_token_key_file={key}",
                                     f"--stream_batch_size={BATCH}")
                        for _ in range(2)]

    def tearDown(self):
        for server, _ in self.servers:
            stop_server(server, kill=True)
        self.scratch.cleanup()

    def test_the_package_ships_the_documented_service_configs(self):
        shipped = pathlib.Path(__file__).resolve().parents[2] / "config"
        from indicators_client import client
        self.assertEqual(client.SERVICE_CONFIG,
                         (shipped / "service_config.json").read_text())
        self.assertEqual(client.PROXY_SERVICE_CONFIG,
                         (shipped / "service_config_proxy.json").read_text())

    def test_calls_survive_a_replica_killed_between_them(self):
        target = ",".join(address for _, address in self.servers)
        with IndicatorClient(target) as client:
            for n in range(200):
                if n == 50:
                    self.servers[0][0].kill()
                    self.servers[0][0].wait(timeout=15)
                self.assertEqual(client.get_indicator("rd_expenditure").id,
                                 "rd_expenditure")

    def test_a_resume_token_continues_on_another_replica(self):
        flt = Filter(indicator_ids=["rd_expenditure"], region_codes=["CN"],
                     include_subregions=True)
        with IndicatorClient(self.servers[0][1]) as first, \
                IndicatorClient(self.servers[1][1]) as second:
            batches = list(first.stream_batches(flt))
            self.assertGreater(len(batches), 4)
            everything = [o for b in batches for o in b.observations]
            before = sum(len(b.observations) for b in batches[:3])
            rest = [o for b in second.stream_batches(flt, batches[2].resume_token)
                    for o in b.observations]
            self.assertEqual(rest, everything[before:])


class TlsAndTokenTest(unittest.TestCase):
    """A server with TLS, mutual TLS and required read tokens."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = pathlib.Path(cls.dir.name)

        def openssl(*args):
            subprocess.run(["openssl", *args], check=True, capture_output=True)

        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=ca", "-keyout", d / "ca.key", "-out", d / "ca.pem")
        for name, ext in [("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                          ("client", "extendedKeyUsage=clientAuth")]:
            (d / f"{name}.ext").write_text(ext + "\n")
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                    "-keyout", d / f"{name}.key", "-out", d / f"{name}.csr")
            openssl("x509", "-req", "-days", "2", "-in", d / f"{name}.csr",
                    "-CA", d / "ca.pem", "-CAkey", d / "ca.key", "-CAcreateserial",
                    "-extfile", d / f"{name}.ext", "-out", d / f"{name}.pem")
        token_hash = hashlib.sha256(b"reader-token").hexdigest()
        (d / "tokens").write_text(f"{token_hash} read\n")
        cls.server, cls.target = start_test_server(
            f"--tls_cert_file={d / 'server.pem'}", f"--tls_key_file={d / 'server.key'}",
            f"--tls_client_ca_file={d / 'ca.pem'}", f"--tokens_file={d / 'tokens'}",
            "--require_read_token")
        cls.d = d

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server, kill=True)
        cls.dir.cleanup()

    def client(self, token="reader-token", cert=True):
        d = self.d
        return IndicatorClient(
            self.target, token=token, tls_ca_file=str(d / "ca.pem"),
            tls_cert_file=str(d / "client.pem") if cert else "",
            tls_key_file=str(d / "client.key") if cert else "", timeout=5)

    def test_a_token_over_mutual_tls_is_answered(self):
        with self.client() as client:
            self.assertEqual(client.get_indicator("rd_expenditure").id, "rd_expenditure")
            self.assertGreater(sum(1 for _ in client.stream(Filter(region_codes=["CN-GD"]))), 0)

    def test_without_a_token_the_call_is_unauthenticated(self):
        with self.client(token="") as client:
            with self.assertRaises(IndicatorServiceError) as caught:
                client.get_indicator("rd_expenditure")
            self.assertEqual(caught.exception.code, grpc.StatusCode.UNAUTHENTICATED)

    def test_without_a_client_certificate_the_connection_is_refused(self):
        with self.client(cert=False) as client:
            with self.assertRaises(IndicatorServiceError) as caught:
                client.get_indicator("rd_expenditure")
            self.assertEqual(caught.exception.code, grpc.StatusCode.UNAVAILABLE)
