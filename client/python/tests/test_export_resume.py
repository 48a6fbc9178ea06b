"""An export through the Python client that breaks part way resumes from the
last token it received, on another replica, with no row twice and none
missing.

Two real indicators-servers ($INDICATORS_SERVER, 127.0.0.1, port 0) serve the
same 60,000 generated observations ($INDICATORS_DATAGEN) with one page-token
key, so a resume token of one is valid on the other. The client names both
(the replicas' service config). The second is stopped (SIGSTOP) until the
export has begun, so the export starts on the first; a small receive window
and a reader slower than the server keep most of the export unsent when the
first is killed (SIGKILL) after 20 messages. The export must then come out
equal, row for row, to an uninterrupted one, and the second server's own
metrics must show that it served the rest.
"""

import os
import re
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

import grpc

from live_server import start_server, stop_server

from indicators_client import SERVICE_CONFIG, ColumnDecoder, IndicatorClient
from indicators_client.client import channel_options

OBSERVATIONS = 60000
BATCH = 200  # rows per message
KILL_AFTER = 20  # messages


def read_metrics_port(server) -> int:
    """The metrics port the server printed after its listening line."""
    line = server.stdout.readline()
    match = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", line)
    if not match:
        raise RuntimeError(f"no metrics line: {line}")
    return int(match.group(1))


def streams_started(port: int, method: str) -> float:
    """`grpc_server_started_total` for `method` over gRPC, from /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    total = 0.0
    for line in text.splitlines():
        if (line.startswith("grpc_server_started_total{")
                and f'grpc_method="{method}"' in line):
            total += float(line.rsplit(" ", 1)[1])
    return total


class ExportResumeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.scratch.name, "big")
        subprocess.run([os.environ["INDICATORS_DATAGEN"],
                        f"--observations={OBSERVATIONS}", f"--out={cls.data}"],
                       check=True, capture_output=True)
        cls.key_file = os.path.join(cls.scratch.name, "page_token.key")
        with open(cls.key_file, "w") as key:
            key.write("0123456789abcdef0123456789abcdef")

    @classmethod
    def tearDownClass(cls):
        cls.scratch.cleanup()

    def setUp(self):
        self.replicas = []
        for _ in range(2):
            server, address = start_server(
                f"--data={self.data}", f"--stream_batch_size={BATCH}",
                f"--page_token_key_file={self.key_file}",
                "--metrics_listen=127.0.0.1:0")
            self.replicas.append((server, address, read_metrics_port(server)))

    def tearDown(self):
        for server, _, _ in self.replicas:
            if server.poll() is None:
                server.send_signal(signal.SIGCONT)
                stop_server(server)
            else:
                server.stdout.close()

    def interrupted_export(self, messages_of):
        """Runs `messages_of(client)` (a generator of stream messages) on a
        client naming both replicas, killing the first after KILL_AFTER
        messages; returns the messages."""
        (first, _, _), (second, _, _) = self.replicas
        second.send_signal(signal.SIGSTOP)
        channel = grpc.insecure_channel(
            "ipv4:" + ",".join(address for _, address, _ in self.replicas),
            options=channel_options(SERVICE_CONFIG) + [
                ("grpc.http2.bdp_probe", 0),
                ("grpc.http2.lookahead_bytes", 64 * 1024)])
        messages = []
        with IndicatorClient(channel=channel, timeout=60) as client:
            for message in messages_of(client):
                messages.append(message)
                if len(messages) == 1:
                    second.send_signal(signal.SIGCONT)
                if len(messages) == KILL_AFTER:
                    time.sleep(0.5)  # The second becomes ready again.
                    first.kill()
                time.sleep(0.002)  # A reader slower than the server.
        self.assertEqual(first.wait(timeout=5), -signal.SIGKILL)
        return messages

    def test_a_row_export_resumes_on_another_replica(self):
        method = "StreamObservations"
        second_metrics = self.replicas[1][2]
        messages = self.interrupted_export(lambda c: c.stream_batches())
        self.assertGreater(len(messages), KILL_AFTER)
        rows = [o.SerializeToString() for m in messages for o in m.observations]
        # The second served the rest: the export resumed there, once.
        self.assertEqual(streams_started(second_metrics, method), 1)
        with IndicatorClient(self.replicas[1][1]) as client:
            whole = [o.SerializeToString() for o in client.stream()]
        self.assertEqual(len(whole), OBSERVATIONS)
        self.assertEqual(len(rows), len(whole))
        self.assertTrue(rows == whole, "not equal row for row")

    def test_a_column_export_resumes_on_another_replica(self):
        method = "StreamObservationColumns"
        second_metrics = self.replicas[1][2]
        messages = self.interrupted_export(lambda c: c.stream_column_batches())
        self.assertEqual(streams_started(second_metrics, method), 1)
        decoder = ColumnDecoder()
        for message in messages:
            decoder.add(message)
        frame = decoder.frame()
        with IndicatorClient(self.replicas[1][1]) as client:
            whole = client.export_frame()
        self.assertEqual(len(whole), OBSERVATIONS)
        self.assertEqual(len(frame), len(whole))
        self.assertTrue(frame.astype(str).equals(whole.astype(str)),
                        "not equal row for row")


if __name__ == "__main__":
    unittest.main()
