"""The Python client's watch() against a gRPC server of the test's own that
sends one revision's changes split across several messages, as
indicators-server does for a large revision (the earlier messages are
`partial` and carry the revision before, the last the revision itself): at
every split size, from a given revision and from now, and after a break in
the middle of a revision, watch() yields the revision once, whole, as one
message."""

from concurrent import futures
import unittest

import grpc

from indicators.v1 import indicator_service_pb2 as service_pb2
from indicators.v1 import indicator_service_pb2_grpc as service_grpc
from indicators_client import IndicatorClient

START = 4      # The revision the watch starts after.
CHANGES = 6    # Changes of revision START + 1.
CHANGES_EVENT = service_pb2.WATCH_EVENT_CHANGES


def change(revision, period):
    c = service_pb2.ObservationChange(kind=service_pb2.CHANGE_KIND_ADDED,
                                      revision=revision)
    c.observation.indicator_id = "rd_expenditure"
    c.observation.region_code = "CN-GD"
    c.observation.period = period
    return c


def revision_messages(split):
    """Revision START + 1 in messages of at most `split` changes."""
    changes = [change(START + 1, str(2100 + i)) for i in range(CHANGES)]
    messages = []
    for first in range(0, CHANGES, split):
        last = first + split >= CHANGES
        messages.append(service_pb2.WatchObservationsResponse(
            event=CHANGES_EVENT, revision=START + 1 if last else START,
            changes=changes[first:first + split], partial=not last))
    return messages


class SplitRevisionService(service_grpc.IndicatorServiceServicer):
    """Sends revision START + 1 split `split` per message, then revision
    START + 2 whole, then ends the stream. With `break_after`, the first
    call fails with UNAVAILABLE after that many messages."""

    def __init__(self, split, break_after=None):
        self.split = split
        self.break_after = break_after
        self.requests = []

    def WatchObservations(self, request, context):
        self.requests.append(request.start_revision)
        messages = revision_messages(self.split)
        messages.append(service_pb2.WatchObservationsResponse(
            event=CHANGES_EVENT, revision=START + 2,
            changes=[change(START + 2, "2200"), change(START + 2, "2201")]))
        for n, message in enumerate(messages):
            if self.break_after is not None and n == self.break_after:
                self.break_after = None
                context.abort(grpc.StatusCode.UNAVAILABLE, "a break")
            yield message


class WatchMessagesTest(unittest.TestCase):

    def watch(self, service, start_revision=START):
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        service_grpc.add_IndicatorServiceServicer_to_server(service, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        try:
            with IndicatorClient(f"127.0.0.1:{port}") as client:
                return list(client.watch(start_revision=start_revision))
        finally:
            server.stop(grace=None)

    def assertWhole(self, messages):
        self.assertEqual([m.revision for m in messages], [START + 1, START + 2])
        first = messages[0]
        self.assertEqual(first.event, CHANGES_EVENT)
        self.assertEqual([c.observation.period for c in first.changes],
                         [str(2100 + i) for i in range(CHANGES)])
        self.assertTrue(all(c.revision == START + 1 for c in first.changes))
        self.assertEqual(len(messages[1].changes), 2)

    def test_a_split_revision_is_one_message_at_every_split_size(self):
        for split in range(1, CHANGES + 1):
            with self.subTest(split=split):
                service = SplitRevisionService(split)
                self.assertWhole(self.watch(service))
                self.assertEqual(service.requests, [START])

    def test_a_watch_from_now_gets_its_first_revision_whole(self):
        # It does not know where it started: only `partial` tells the
        # first revision's earlier messages from whole revisions.
        for split in range(1, CHANGES + 1):
            with self.subTest(split=split):
                service = SplitRevisionService(split)
                self.assertWhole(self.watch(service, start_revision=0))
                self.assertEqual(service.requests, [0])

    def test_a_break_inside_a_revision_resumes_before_it(self):
        for split in range(1, CHANGES):  # At least two messages.
            messages = -(-CHANGES // split)
            for break_after in range(1, messages):
                with self.subTest(split=split, break_after=break_after):
                    service = SplitRevisionService(split, break_after)
                    self.assertWhole(self.watch(service))
                    # Resumed from the revision before the broken one.
                    self.assertEqual(service.requests, [START, START])


if __name__ == "__main__":
    unittest.main()
