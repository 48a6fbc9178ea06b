"""The Python client's ingest against a server of a real PostgreSQL.

The test starts its own cluster (initdb as the postgres user when run as
root, a Unix socket in a temporary directory), migrates and imports the
frozen test dataset with $INDICATORS_ADMIN, and starts $INDICATORS_SERVER on
it with a write token.
"""

import hashlib
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import grpc

from live_server import start_server, stop_server

from indicators.v1 import indicator_service_pb2 as service_pb2
from indicators.v1 import resources_pb2
from indicators_client import Filter, IndicatorClient, IndicatorServiceError
from indicators_client.client import Observation

BIN = pathlib.Path("/usr/lib/postgresql/15/bin")
TOKEN = "python-ingest-test-token"


def as_cluster_owner(argv):
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class TempPostgres:
    """A PostgreSQL cluster of the test's own on a Unix socket."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="indicators-pg-")
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        subprocess.run(as_cluster_owner(
            [str(BIN / "initdb"), "-D", f"{self.dir}/data", "-A", "trust", "-U",
             "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]),
            check=True, capture_output=True)
        subprocess.run(as_cluster_owner(
            [str(BIN / "pg_ctl"), "-D", f"{self.dir}/data", "-l", f"{self.dir}/log",
             "-w", "-o", f"-c listen_addresses='' -k {self.dir} -c fsync=off", "start"]),
            check=True, capture_output=True)
        self.conninfo = f"host={self.dir} user=postgres dbname=postgres"

    def sql(self, query: str) -> str:
        return subprocess.run(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
             self.conninfo, "-c", query],
            check=True, capture_output=True, text=True).stdout.strip()

    def close(self):
        subprocess.run(as_cluster_owner(
            [str(BIN / "pg_ctl"), "-D", f"{self.dir}/data", "-m", "immediate", "stop"]),
            capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


class IngestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.postgres = TempPostgres()
        admin = os.environ["INDICATORS_ADMIN"]
        for args in (["migrate"], ["import", os.environ["INDICATORS_TEST_DATA"]]):
            subprocess.run([admin, f"--database={cls.postgres.conninfo}", *args],
                           check=True, capture_output=True)
        cls.scratch = tempfile.TemporaryDirectory()
        tokens = pathlib.Path(cls.scratch.name) / "tokens"
        tokens.write_text(hashlib.sha256(TOKEN.encode()).hexdigest() + " write\n")
        cls.server, cls.address = start_server(
            f"--database={cls.postgres.conninfo}", f"--tokens_file={tokens}",
            "--watch_progress_interval=100ms",
            # Connections close after a second: watches break and resume.
            "--max_connection_age=1s", "--max_connection_age_grace=100ms")

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server, kill=True)
        cls.scratch.cleanup()
        cls.postgres.close()

    def test_a_csv_file_is_ingested_once_and_served(self):
        d = pathlib.Path(self.scratch.name)
        (d / "rows.csv").write_text(
            "indicator_id,region_code,period,value,qualifier,status,source_ids,note\n"
            "rd_expenditure,CN-GD,2040,800.5,about,estimate,ZPY,from python\n")
        (d / "sources.csv").write_text(
            "source_id,publisher,title,published,url,reliability,note\n"
            "ZPY,A publisher,A title,2040-01-02,,official,\n")
        with IndicatorClient(self.address, token=TOKEN) as client:
            first = client.ingest_csv(d / "rows.csv", d / "sources.csv",
                                      idempotency_key="py-1")
            self.assertEqual((first.added, first.sources_added, first.replayed),
                             (1, 1, False))
            # This server serves the batch at the answer's revision.
            info = client.dataset_info()
            self.assertEqual(info.revision, first.revision)
            self.assertEqual(info.version, first.dataset_version)
            again = client.ingest_csv(d / "rows.csv", d / "sources.csv",
                                      idempotency_key="py-1")
            self.assertTrue(again.replayed)
            self.assertEqual(again.revision, first.revision)
        self.assertEqual(self.postgres.sql(
            "SELECT count(*) FROM observations WHERE period = '2040'"), "1")

    def test_a_revision_keeps_the_earlier_value(self):
        revised = Observation(
            indicator_id="rd_expenditure", region_code="CN-GD", period="2023",
            value=482.0, qualifier=resources_pb2.QUALIFIER_EXACT,
            status=resources_pb2.OBSERVATION_STATUS_FINAL, source_ids=["S13"],
            note="revised from python")
        with IndicatorClient(self.address, token=TOKEN) as client:
            answer = client.ingest([revised])
        self.assertEqual(answer.revised, 1)
        self.assertEqual(self.postgres.sql(
            "SELECT value FROM observation_history WHERE period = '2023' AND "
            "source_ids = '{S13}'"), "480.26")

    def test_a_bad_batch_names_every_problem_and_stores_nothing(self):
        bad = Observation(indicator_id="nope", region_code="CN-GD", period="2041-13",
                          value=1, qualifier=resources_pb2.QUALIFIER_EXACT,
                          status=resources_pb2.OBSERVATION_STATUS_FINAL,
                          source_ids=["S13"])
        with IndicatorClient(self.address, token=TOKEN) as client:
            with self.assertRaises(IndicatorServiceError) as caught:
                client.ingest([bad])
        error = caught.exception
        self.assertEqual(error.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(error.reason, "INVALID_BATCH")
        self.assertEqual([field for field, _ in error.violations],
                         ["observations[0].indicator_id", "observations[0].period"])
        self.assertEqual(self.postgres.sql(
            "SELECT count(*) FROM observations WHERE period LIKE '2041%'"), "0")

    def test_a_watcher_sees_each_batch_once_across_broken_streams(self):
        received = []
        started = threading.Event()

        def watch():
            with IndicatorClient(self.address) as client:
                for message in client.watch(Filter(region_codes=["CN-SH"]),
                                            progress=True):
                    started.set()
                    if message.event == service_pb2.WATCH_EVENT_CHANGES:
                        received.append(message)
                        if len(received) == 3:
                            return

        thread = threading.Thread(target=watch)
        thread.start()
        self.assertTrue(started.wait(10))
        revisions = []
        with IndicatorClient(self.address, token=TOKEN) as client:
            for n in range(3):
                time.sleep(0.8)  # Across the server closing the connection.
                added = Observation(
                    indicator_id="rd_expenditure", region_code="CN-SH",
                    period=str(2050 + n), value=123.5 + n,
                    qualifier=resources_pb2.QUALIFIER_EXACT,
                    status=resources_pb2.OBSERVATION_STATUS_FINAL, source_ids=["S13"])
                revisions.append(client.ingest([added]).revision)
        thread.join(15)
        self.assertFalse(thread.is_alive())
        self.assertEqual([m.revision for m in received], revisions)
        self.assertEqual(
            [[(c.kind, c.observation.period, c.revision) for c in m.changes]
             for m in received],
            [[(service_pb2.CHANGE_KIND_ADDED, str(2050 + n), revisions[n])]
             for n in range(3)])

    def test_without_the_write_scope_ingest_is_refused(self):
        with IndicatorClient(self.address) as client:
            with self.assertRaises(IndicatorServiceError) as caught:
                client.ingest(withdrawals=[("rd_expenditure", "CN-GD", "2023", ["S13"])])
        self.assertEqual(caught.exception.code, grpc.StatusCode.UNAUTHENTICATED)


if __name__ == "__main__":
    unittest.main()
