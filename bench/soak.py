"""The soak: mixed reads, ingests and watchers on three replicas for a number
of minutes, one replica restarted (SIGTERM: lame duck and drain, then started
again on its port) every minute in turn.

Run by bench/soak.sh, which starts PostgreSQL and imports a generated
dataset. The replicas are started here, so that they can be restarted. Every
call goes through the shipped Python client with the shipped service config
(round robin, health checking, retries on UNAVAILABLE), as a user's program
would. Prints, per minute: calls and failed calls, the p99 latency of the
reads, the revisions ingested and what the watchers received of them, and
each replica's RSS; then the totals (target: no failed call, every watcher
gets every revision once and in order, no RSS growth).
"""

import argparse
import re
import subprocess
import sys
import threading
import time

from indicators_client import Filter, IndicatorClient, IndicatorServiceError
from indicators.v1 import resources_pb2


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))]


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Replica:
    """One indicators-server process, restartable on the same port."""

    def __init__(self, argv, log):
        self.argv = argv
        self.log = log
        self.port = 0
        self.process = None

    def start(self):
        listen = f"--listen=127.0.0.1:{self.port}"
        self.process = subprocess.Popen(self.argv + [listen], stdout=subprocess.PIPE,
                                        stderr=self.log, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"listening on 127\.0\.0\.1:(\d+);", line)
        if not match:
            raise RuntimeError(f"replica did not start: {line}")
        self.port = int(match.group(1))
        # Keep reading its output so that it never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def restart(self):
        self.process.terminate()  # The drain: lame duck, then refusals.
        self.process.wait(timeout=60)
        self.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"


class Minute:
    def __init__(self):
        self.calls = 0
        self.failures = []
        self.latencies = []
        self.ingested = []
        self.rss = {}


class Soak:
    def __init__(self, args, replicas):
        self.args = args
        self.replicas = replicas
        self.target = ",".join(r.address for r in replicas)
        self.start = time.monotonic()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.minutes = [Minute() for _ in range(args.minutes)]
        self.watched = []  # Per watcher: the revisions received, in order.
        self.restarts = 0

    def minute(self):
        return min(int((time.monotonic() - self.start) // 60), self.args.minutes - 1)

    def record(self, started, error=None, latency=True):
        with self.lock:
            m = self.minutes[self.minute()]
            m.calls += 1
            if error is not None:
                m.failures.append(error)
            elif latency:
                m.latencies.append(time.monotonic() - started)

    def reader(self, k):
        with IndicatorClient(self.target) as client:
            flt = Filter(indicator_ids=["ind_000"], start_period="2020")
            n = k
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    if n % 3 == 0:
                        client.query_page(flt, page_size=100)
                    elif n % 3 == 1:
                        client.get_indicator("ind_000")
                    else:
                        client.dataset_info()
                    self.record(started)
                except IndicatorServiceError as error:
                    self.record(started, f"{error.code.name}: {error.message}")
                n += 1

    def writer(self):
        with IndicatorClient(self.target, token=self.args.token, timeout=30) as client:
            figures = client.query_page(Filter(indicator_ids=["ind_001"]), page_size=200)
            k = 0
            while not self.stop.is_set():
                o = figures.observations[k % len(figures.observations)]
                observation = resources_pb2.Observation()
                observation.CopyFrom(o)
                observation.value = 1000 + k + 0.5
                observation.status = resources_pb2.OBSERVATION_STATUS_FINAL
                observation.qualifier = resources_pb2.QUALIFIER_EXACT
                started = time.monotonic()
                try:
                    # A key per batch: sending it again after a broken call
                    # is safe, as a real writer would do.
                    answer = client.ingest([observation], idempotency_key=f"soak-{k}")
                    self.record(started, latency=False)
                    with self.lock:
                        self.minutes[self.minute()].ingested.append(answer.revision)
                except IndicatorServiceError as error:
                    self.record(started, f"ingest {error.code.name}: {error.message}",
                                latency=False)
                k += 1
                self.stop.wait(1 / self.args.ingests_per_second)

    def watcher(self, w):
        seen = self.watched[w]
        with IndicatorClient(self.target) as client:
            watch = client.watch(Filter(indicator_ids=["ind_001"]))
            try:
                for message in watch:
                    if message.changes:
                        seen.append(message.revision)
                    if self.stop.is_set():
                        return
            except IndicatorServiceError as error:
                self.record(time.monotonic(), f"watch {error.code.name}: {error.message}",
                            latency=False)
            finally:
                watch.close()

    def sampler(self):
        while not self.stop.wait(1):
            with self.lock:
                m = self.minutes[self.minute()]
                for i, r in enumerate(self.replicas):
                    m.rss[i] = max(m.rss.get(i, 0.0), rss_mb(r.process.pid))

    def restarter(self):
        k = 0
        while not self.stop.wait(60):
            replica = self.replicas[k % len(self.replicas)]
            replica.restart()
            k += 1
            self.restarts = k

    def run(self):
        threads = [threading.Thread(target=self.reader, args=(k,), daemon=True)
                   for k in range(self.args.readers)]
        threads.append(threading.Thread(target=self.writer, daemon=True))
        for w in range(self.args.watchers):
            self.watched.append([])
            threads.append(threading.Thread(target=self.watcher, args=(w,), daemon=True))
        threads.append(threading.Thread(target=self.sampler, daemon=True))
        restarter = threading.Thread(target=self.restarter, daemon=True)
        for t in threads + [restarter]:
            t.start()
        time.sleep(self.args.minutes * 60)
        self.stop.set()
        restarter.join()
        # A last change wakes every watcher, so that each sees the stop.
        with IndicatorClient(self.target, token=self.args.token) as client:
            flt = Filter(indicator_ids=["ind_001"])
            o = client.query_page(flt, page_size=1).observations[0]
            o.value += 0.25
            last = client.ingest([o]).revision
        time.sleep(3)
        return last

    def report(self, last):
        print("| minute | calls | failed | read p99 | ingested | " +
              " | ".join(f"replica {i} RSS" for i in range(len(self.replicas))) + " |")
        print("|---|---|---|---|---|" + "---|" * len(self.replicas))
        for i, m in enumerate(self.minutes):
            print(f"| {i + 1} | {m.calls} | {len(m.failures)} | "
                  f"{percentile(m.latencies, 99) * 1000:.1f} ms | {len(m.ingested)} | " +
                  " | ".join(f"{m.rss.get(r, 0):.0f} MB" for r in range(len(self.replicas))) +
                  " |")
        ingested = sorted({r for m in self.minutes for r in m.ingested if r > 0} | {last})
        failures = [f for m in self.minutes for f in m.failures]
        print()
        print(f"calls {sum(m.calls for m in self.minutes)}, failed {len(failures)} (target 0); "
              f"{self.restarts} replica restarts")
        for f in failures[:10]:
            print(f"  {f}")
        for w, seen in enumerate(self.watched):
            missing = sorted(set(ingested) - set(seen))
            twice = len(seen) - len(set(seen))
            ordered = seen == sorted(seen)
            print(f"watcher {w}: {len(seen)} revisions, {len(missing)} of the "
                  f"{len(ingested)} ingested missing, {twice} twice, "
                  f"{'in order' if ordered else 'OUT OF ORDER'}")
        first = self.minutes[0].rss
        final = self.minutes[-1].rss
        print("RSS first -> last minute: " + ", ".join(
            f"replica {i} {first.get(i, 0):.0f} -> {final.get(i, 0):.0f} MB"
            for i in range(len(self.replicas))))
        return not failures and all(
            set(ingested) <= set(seen) and len(seen) == len(set(seen)) and seen == sorted(seen)
            for seen in self.watched)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--tokens_file", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--watchers", type=int, default=4)
    parser.add_argument("--ingests_per_second", type=float, default=5)
    args = parser.parse_args()
    with open(args.log, "a") as log:
        replicas = [Replica([args.server, f"--database={args.database}",
                             f"--tokens_file={args.tokens_file}", "--lame_duck=2s",
                             "--drain_timeout=10s"], log)
                    for _ in range(3)]
        for r in replicas:
            r.start()
        soak = Soak(args, replicas)
        try:
            passed = soak.report(soak.run())
        finally:
            for r in replicas:
                r.process.terminate()
                r.process.wait(timeout=60)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
