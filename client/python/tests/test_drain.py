"""Stopping the server as a client that does not check health sees it.

The real indicators-server ($INDICATORS_SERVER, the frozen dataset in
$INDICATORS_TEST_DATA, 127.0.0.1 with port 0) is sent SIGTERM while a plain
channel (no service config, no health checking) holds an idle open
connection: a call in the lame duck is answered, and calls after it are
refused UNAVAILABLE, never CANCELLED, at several moments in each of several
rounds.
"""

import os
import time
import unittest

import grpc

from live_server import start_server

from indicators.v1 import indicator_service_pb2 as service_pb2
from indicators.v1 import indicator_service_pb2_grpc as service_grpc

LAME_DUCK = 0.3  # seconds


class DrainTest(unittest.TestCase):
    def test_calls_after_the_lame_duck_are_unavailable_never_cancelled(self):
        request = service_pb2.GetIndicatorRequest(id="rd_intensity")
        for round_ in range(3):
            server, address = start_server(
                f"--data={os.environ['INDICATORS_TEST_DATA']}",
                f"--lame_duck={int(LAME_DUCK * 1000)}ms", "--drain_timeout=5s")
            try:
                with grpc.insecure_channel(address) as channel:
                    stub = service_grpc.IndicatorServiceStub(channel)
                    stub.GetIndicator(request, timeout=5)  # Connected, idle.
                    signalled = time.monotonic()
                    server.terminate()
                    time.sleep(0.1)
                    stub.GetIndicator(request, timeout=5)  # In the lame duck.
                    for after in (0.2, 0.6, 1.2):
                        time.sleep(max(0.0, signalled + LAME_DUCK + after
                                       - time.monotonic()))
                        with self.assertRaises(grpc.RpcError) as raised:
                            stub.GetIndicator(request, timeout=5)
                        self.assertEqual(
                            raised.exception.code(), grpc.StatusCode.UNAVAILABLE,
                            f"round {round_}, {after} s after the lame duck: "
                            f"{raised.exception.details()}")
            finally:
                server.wait(timeout=15)
                server.stdout.close()
            self.assertEqual(server.returncode, 0)


if __name__ == "__main__":
    unittest.main()
