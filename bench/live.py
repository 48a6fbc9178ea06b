"""Live data at scale: ingest and replication figures of running replicas.

Run by bench/live.sh, which starts PostgreSQL (durable commits) and the
replicas. Prints one Markdown table row per figure: what, value, target.
"""

import argparse
import asyncio
import os
import shlex
import signal
import subprocess
import sys
import time

import grpc
from indicators.v1 import indicator_service_pb2 as pb
from indicators.v1 import indicator_service_pb2_grpc as pb_grpc
from indicators.v1 import resources_pb2


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))]


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Bench:
    def __init__(self, args):
        self.args = args
        self.addresses = args.replicas.split(",")
        self.pids = [int(p) for p in args.pids.split(",")]
        self.metadata = (("authorization", f"Bearer {args.token}"),)
        self.channels = [grpc.aio.insecure_channel(a) for a in self.addresses]
        self.stubs = [pb_grpc.IndicatorServiceStub(c) for c in self.channels]
        self.figures = self.read_figures()
        self.step = 0
        self.rows = []

    def psql(self, sql, stdin=None):
        command = self.args.psql + ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                    "-d", self.args.database]
        command += ["-c", sql] if sql is not None else []
        return subprocess.run(command, input=stdin, check=True, capture_output=True,
                              text=True).stdout

    def read_figures(self):
        out = self.psql(
            "SELECT indicator_id, region_code, period, array_to_string(source_ids, ';') "
            "FROM observations ORDER BY ordinal LIMIT 40000")
        return [line.split("|") for line in out.splitlines() if line]

    def observation(self, k):
        indicator, region, period, sources = self.figures[k % len(self.figures)]
        self.step += 1
        o = resources_pb2.Observation(
            indicator_id=indicator, region_code=region, period=period,
            value=1000 + self.step + 0.5, qualifier=resources_pb2.QUALIFIER_EXACT,
            status=resources_pb2.OBSERVATION_STATUS_FINAL)
        o.source_ids.extend(sources.split(";"))
        return o

    async def ingest(self, observations, replica=0):
        request = pb.IngestObservationsRequest(observations=observations)
        return await self.stubs[replica].IngestObservations(
            request, metadata=self.metadata, timeout=120)

    async def revision(self, replica):
        info = await self.stubs[replica].GetDatasetInfo(pb.GetDatasetInfoRequest(), timeout=10)
        return info.dataset.revision

    async def served_everywhere(self, revision):
        async def one(i):
            while await self.revision(i) < revision:
                await asyncio.sleep(0.001)
        await asyncio.gather(*(one(i) for i in range(len(self.stubs))))

    def report(self, what, value, target):
        self.rows.append(f"| {what} | {value} | {target} |")
        print(self.rows[-1], flush=True)

    async def one_row_ingests(self, count):
        acks, served = [], []
        for k in range(count):
            start = time.perf_counter()
            answer = await self.ingest([self.observation(k)])
            acked = time.perf_counter()
            await self.served_everywhere(answer.revision)
            acks.append(acked - start)
            served.append(time.perf_counter() - acked)
        self.report(f"one-row ingest acknowledged ({count} sequential), p50 / p99",
                    f"{ms(percentile(acks, 50))} / {ms(percentile(acks, 99))}", "p99 <= 50 ms")
        self.report("then served by every replica, p50 / p99",
                    f"{ms(percentile(served, 50))} / {ms(percentile(served, 99))}",
                    "p99 <= 100 ms")

    async def sustained(self, writers, seconds):
        steady = [rss_mb(p) for p in self.pids]
        peak = list(steady)
        done = 0
        stop = time.perf_counter() + seconds

        async def writer(w):
            nonlocal done
            k = 0
            while time.perf_counter() < stop:
                await self.ingest([self.observation(1000 + w * 4000 + k)], replica=w % len(self.stubs))
                k += 1
                done += 1

        async def sample():
            while time.perf_counter() < stop:
                for i, p in enumerate(self.pids):
                    peak[i] = max(peak[i], rss_mb(p))
                await asyncio.sleep(0.05)

        start = time.perf_counter()
        await asyncio.gather(sample(), *(writer(w) for w in range(writers)))
        elapsed = time.perf_counter() - start
        self.report(f"one-row batches/s, {writers} writers for {seconds} s",
                    f"{done / elapsed:.1f}", ">= 200")
        ratio = max(p / s for p, s in zip(peak, steady))
        self.report("replica RSS steady -> peak during it",
                    f"{max(steady):.0f} MB -> {max(peak):.0f} MB ({ratio:.2f}x)", "<= 1.2x")

    async def big_batches(self, size, count):
        rows, elapsed = 0, 0.0
        for b in range(count):
            batch = [self.observation(b * size + i) for i in range(size)]
            start = time.perf_counter()
            answer = await self.ingest(batch)
            elapsed += time.perf_counter() - start
            rows += answer.revised + answer.added
        self.report(f"rows/s in {size}-row batches ({count} batches, acknowledged)",
                    f"{rows / elapsed:,.0f}", ">= 200,000")

    async def watchers(self, count, changes):
        replica = 1 % len(self.stubs)
        seen = {}
        opened = 0
        all_open = asyncio.Event()

        async def watch(w):
            nonlocal opened
            request = pb.WatchObservationsRequest(progress=True)
            first = True
            async for message in self.stubs[replica].WatchObservations(request):
                if first:
                    first = False
                    opened += 1
                    if opened == count:
                        all_open.set()
                for c in message.changes:
                    seen.setdefault(c.revision, []).append(time.perf_counter())

        tasks = [asyncio.ensure_future(watch(w)) for w in range(count)]
        await asyncio.wait_for(all_open.wait(), 60)
        sent = {}
        for k in range(changes):
            start = time.perf_counter()
            answer = await self.ingest([self.observation(30000 + k)])
            sent[answer.revision] = start
            await asyncio.sleep(0.05)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and any(
                len(seen.get(r, [])) < count for r in sent):
            await asyncio.sleep(0.01)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        delays = [at - sent[r] for r in sent for at in seen.get(r, [])]
        missing = count * len(sent) - len(delays)
        self.report(f"change -> {count} watchers on one replica, p50 / p99 "
                    f"({changes} changes, from the ingest's send)",
                    f"{ms(percentile(delays, 50))} / {ms(percentile(delays, 99))}"
                    + (f", {missing} not received" if missing else ""), "p99 <= 100 ms")

    async def catch_up(self, revisions):
        replica = len(self.stubs) - 1
        os.kill(self.pids[replica], signal.SIGSTOP)
        try:
            statements = "".join(
                f"UPDATE observations SET value = value + 1 WHERE ordinal = {1 + k % 1000};\n"
                for k in range(revisions))
            self.psql(None, stdin=statements)
        finally:
            os.kill(self.pids[replica], signal.SIGCONT)
        start = time.perf_counter()
        head = int(self.psql("SELECT revision FROM dataset_state").strip())
        while await self.revision(replica) < head:
            await asyncio.sleep(0.005)
        self.report(f"catch-up of a replica stopped for {revisions} revisions",
                    f"{time.perf_counter() - start:.2f} s", "<= 2 s")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicas", required=True)
    parser.add_argument("--pids", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--psql", default="psql", help="the psql command, split like a shell")
    parser.add_argument("--ingests", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--revisions", type=int, default=10000)
    args = parser.parse_args()
    args.psql = shlex.split(args.psql)
    bench = Bench(args)
    await bench.one_row_ingests(args.ingests)
    await bench.sustained(8, args.seconds)
    await bench.big_batches(10000, 3)
    await bench.watchers(args.watchers, 20)
    await bench.catch_up(args.revisions)


if __name__ == "__main__":
    asyncio.run(main())
