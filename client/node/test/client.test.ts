// Tests of the TypeScript client against a live indicators-server started on
// 127.0.0.1 (port 0) from $INDICATORS_SERVER over the frozen test dataset in
// $INDICATORS_TEST_DATA, stopped at the end.

import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

import {
  ChangeKind,
  Code,
  ConnectError,
  WatchEvent,
  Qualifier,
  RegionType,
  SourceMode,
  MAX_STREAM_RESUMES,
  RETRY_POLICY,
  IndicatorService,
  createIndicatorClient,
  errorInfo,
  quotaViolations,
  retryDelayMs,
  streamObservations,
  watchObservations,
  fieldViolations,
  queryAll,
  type IndicatorClient,
} from "../src/client.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BATCH = 7; // Observations per stream message: many messages per query.
let server: ChildProcess;
let target: string;
let client: IndicatorClient;

before(async () => {
  const binary = process.env.INDICATORS_SERVER;
  assert.ok(binary, "set INDICATORS_SERVER to the indicators-server binary");
  const data = process.env.INDICATORS_TEST_DATA;
  assert.ok(data, "set INDICATORS_TEST_DATA to a test dataset directory");
  server = spawn(binary, ["--listen=127.0.0.1:0", `--data=${data}`, `--stream_batch_size=${BATCH}`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: server.stdout! });
  const first: string = await new Promise((resolve) => lines.once("line", resolve));
  const match = /listening on (127\.0\.0\.1:\d+);/.exec(first);
  assert.ok(match, `server did not start: ${first}`);
  target = match[1];
  client = createIndicatorClient(target);
});

after(() => {
  server?.kill("SIGTERM");
});

test("seed figures come back exactly with their qualifiers", async () => {
  const rows = await queryAll(client, {
    regionCodes: ["CN-GD"],
    startPeriod: "2023",
    endPeriod: "2023",
    sourceIds: ["SEED"],
  });
  const seed = Object.fromEntries(rows.map((o) => [o.indicatorId, [o.value, o.qualifier]]));
  assert.deepEqual(seed, {
    high_tech_enterprises: [75000, Qualifier.OVER],
    rd_expenditure: [460, Qualifier.EXACT],
    rd_expenditure_usd: [64.8, Qualifier.ABOUT],
    rd_personnel: [1350000, Qualifier.EXACT],
    valid_invention_patents: [665000, Qualifier.OVER],
    pct_applications: [23700, Qualifier.EXACT],
  });
});

test("the preferred value is the final communique's", async () => {
  const rows = await queryAll(client, {
    indicatorIds: ["rd_expenditure"],
    regionCodes: ["CN-GD"],
    startPeriod: "2023",
    endPeriod: "2023",
    sourceMode: SourceMode.PREFERRED,
  });
  assert.equal(rows.length, 1);
  assert.equal(rows[0].value, 480.26);
  assert.equal(rows[0].unit, "CNY");
  assert.equal(rows[0].unitMultiplier, 9);
  assert.deepEqual(rows[0].sourceIds, ["S13"]);
});

test("what was known when: knownOn and the history of a figure", async () => {
  const init = {
    indicatorIds: ["rd_expenditure"], regionCodes: ["CN-GD"], startPeriod: "2023", endPeriod: "2023",
    sourceMode: SourceMode.PREFERRED,
  };
  const early = await queryAll(client, { ...init, knownOn: "2024-03-01" });
  assert.deepEqual(early.map((o) => [o.value, o.qualifier]), [[460, Qualifier.ABOUT]]);
  const late = await queryAll(client, { ...init, knownOn: "2025-01-01" });
  assert.deepEqual(late.map((o) => o.value), [480.26]);
  const history = await client.getObservationHistory({
    indicatorId: "rd_expenditure", regionCode: "CN-GD", period: "2023",
  });
  assert.deepEqual(history.vintages.map((v) => v.knownFrom),
    ["2024-01-23", "2024-02-19", "2024-02-19", "2024-10-08"]);
});

test("catalog calls answer", async () => {
  assert.equal((await client.listIndicators({})).indicators.length, 16);
  assert.equal((await client.getIndicator({ id: "rd_personnel" })).unit, "persons");
  const { regions } = await client.listRegions({ parentCode: "CN", type: RegionType.MUNICIPALITY });
  assert.deepEqual(regions.map((r) => r.code), ["CN-BJ", "CN-CQ", "CN-SH", "CN-TJ"]);
  assert.equal((await client.getRegion({ code: "CN-GD" })).name, "Guangdong");
  assert.equal((await client.listSources({ pageSize: 1000 })).sources.length, 64);
  assert.equal((await client.getSource({ id: "SEED" })).publisher, "Xinhua (as republished)");
  const { dataset } = await client.getDatasetInfo({});
  assert.equal(dataset?.observationCount, 416n);
  assert.match(dataset?.version ?? "", /^[0-9a-f]{64}$/);
});

test("an invalid request surfaces the gRPC code", async () => {
  await assert.rejects(client.getIndicator({ id: "no_such_indicator" }), (err) => {
    assert.equal(ConnectError.from(err).code, Code.NotFound);
    assert.equal(errorInfo(err)?.reason, "UNKNOWN_INDICATOR");
    assert.equal(errorInfo(err)?.domain, "indicators.v1");
    assert.equal(errorInfo(err)?.metadata.field, "id");
    return true;
  });
  await assert.rejects(
    client.queryObservations({ filter: { startPeriod: "2023-13" } }),
    (err) => {
      const error = ConnectError.from(err);
      assert.equal(error.code, Code.InvalidArgument);
      assert.match(error.rawMessage, /^filter\.start_period/);
      assert.equal(errorInfo(err)?.reason, "INVALID_PERIOD");
      assert.deepEqual(
        fieldViolations(err).map((v) => v.field),
        ["filter.start_period"],
      );
      return true;
    },
  );
});

test("the stream delivers every row of a query over many messages", async () => {
  const init = { regionCodes: ["CN"], includeSubregions: true };
  const paged = await queryAll(client, init, 50);
  let messages = 0;
  const streamed = [];
  for await (const message of client.streamObservations({ filter: init })) {
    messages++;
    assert.ok(message.observations.length <= BATCH);
    streamed.push(...message.observations);
  }
  assert.ok(paged.length > 100);
  assert.deepEqual(streamed, paged);
  assert.equal(messages, Math.ceil(paged.length / BATCH));
});

test("the example calls every RPC", () => {
  const example = fileURLToPath(new URL("../src/example.js", import.meta.url));
  const run = spawnSync(process.execPath, [example, target], { encoding: "utf8", timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /high_tech_enterprises +CN-GD +2023 +over +75000 .* SEED/);
  assert.match(run.stdout, /an unknown id is NotFound/);
});

// Starts a server on 127.0.0.1:0 with `flags`; resolves to it and its address.
async function startServer(...flags: string[]): Promise<[ChildProcess, string]> {
  const child = spawn(process.env.INDICATORS_SERVER!, [
    "--listen=127.0.0.1:0", `--data=${process.env.INDICATORS_TEST_DATA}`, ...flags,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const first: string = await new Promise((resolve) => lines.once("line", resolve));
  const match = /listening on (127\.0\.0\.1:\d+);/.exec(first);
  assert.ok(match, `server did not start: ${first}`);
  return [child, match[1]];
}

test("the retry policy is the shipped service config's", () => {
  const config = JSON.parse(readFileSync(
    fileURLToPath(new URL("../../../config/service_config.json", import.meta.url)), "utf8"));
  const policy = config.methodConfig[0].retryPolicy;
  assert.equal(RETRY_POLICY.maxAttempts, policy.maxAttempts);
  assert.equal(RETRY_POLICY.initialBackoffMs, parseFloat(policy.initialBackoff) * 1000);
  assert.equal(RETRY_POLICY.maxBackoffMs, parseFloat(policy.maxBackoff) * 1000);
  assert.equal(RETRY_POLICY.backoffMultiplier, policy.backoffMultiplier);
  assert.deepEqual(policy.retryableStatusCodes, ["UNAVAILABLE"]);
  assert.ok(MAX_STREAM_RESUMES > 0);
});

test("replicas: calls survive a killed replica and streams resume on another", async () => {
  const dir = mkdtempSync(join(tmpdir(), "indicators-ts-"));
  const key = join(dir, "page_token.key");
  writeFileSync(key, "0123456789abcdef0123456789abcdef");
  const replicas = [
    await startServer(`--page_token_key_file=${key}`, `--stream_batch_size=${BATCH}`),
    await startServer(`--page_token_key_file=${key}`, `--stream_batch_size=${BATCH}`),
  ];
  try {
    const both = createIndicatorClient(replicas.map(([, address]) => address).join(","));
    const init = { indicatorIds: ["rd_expenditure"], regionCodes: ["CN"], includeSubregions: true };
    // A token from replica 0's stream continues on replica 1.
    const messages = [];
    for await (const m of createIndicatorClient(replicas[0][1]).streamObservations({ filter: init })) {
      messages.push(m);
    }
    assert.ok(messages.length > 4);
    const everything = messages.flatMap((m) => m.observations);
    const before = messages.slice(0, 3).reduce((n, m) => n + m.observations.length, 0);
    const rest = [];
    for await (const o of streamObservations(createIndicatorClient(replicas[1][1]), init,
                                             messages[2].resumeToken)) {
      rest.push(o);
    }
    assert.deepEqual(rest, everything.slice(before));
    // Unary calls keep answering when a replica dies between them.
    for (let n = 0; n < 100; n++) {
      if (n === 30) {
        replicas[0][0].kill("SIGKILL");
        await new Promise((resolve) => replicas[0][0].once("exit", resolve));
      }
      const indicator = await both.getIndicator({ id: "rd_expenditure" });
      assert.equal(indicator.id, "rd_expenditure");
    }
  } finally {
    for (const [child] of replicas) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("TLS, mutual TLS and a bearer token", async () => {
  const dir = mkdtempSync(join(tmpdir(), "indicators-ts-tls-"));
  const openssl = (...args: string[]) => {
    const r = spawnSync("openssl", args, { stdio: "ignore" });
    assert.equal(r.status, 0, `openssl ${args.join(" ")}`);
  };
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ca",
    "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.pem"));
  for (const [name, ext] of [["server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"],
                             ["client", "extendedKeyUsage=clientAuth"]]) {
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`,
      "-keyout", join(dir, `${name}.key`), "-out", join(dir, `${name}.csr`));
    openssl("x509", "-req", "-days", "2", "-in", join(dir, `${name}.csr`), "-CA", join(dir, "ca.pem"),
      "-CAkey", join(dir, "ca.key"), "-CAcreateserial", "-extfile", join(dir, `${name}.ext`),
      "-out", join(dir, `${name}.pem`));
  }
  const hash = createHash("sha256").update("reader-token").digest("hex");
  writeFileSync(join(dir, "tokens"), `${hash} read\n`);
  const [child, address] = await startServer(
    `--tls_cert_file=${join(dir, "server.pem")}`, `--tls_key_file=${join(dir, "server.key")}`,
    `--tls_client_ca_file=${join(dir, "ca.pem")}`, `--tokens_file=${join(dir, "tokens")}`,
    "--require_read_token");
  try {
    const tls = { caFile: join(dir, "ca.pem"), certFile: join(dir, "client.pem"), keyFile: join(dir, "client.key") };
    const ok = createIndicatorClient(address, { token: "reader-token", tls });
    assert.equal((await ok.getIndicator({ id: "rd_expenditure" })).id, "rd_expenditure");
    const noToken = createIndicatorClient(address, { tls });
    await assert.rejects(noToken.getIndicator({ id: "rd_expenditure" }),
      (err) => ConnectError.from(err).code === Code.Unauthenticated);
    const noCert = createIndicatorClient(address, { token: "reader-token", tls: { caFile: tls.caFile } });
    await assert.rejects(noCert.getIndicator({ id: "rd_expenditure" }));
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("watch: each reload's changes once, across broken streams", async () => {
  const dir = mkdtempSync(join(tmpdir(), "indicators-ts-watch-"));
  const data = process.env.INDICATORS_TEST_DATA!;
  for (const file of ["indicators.csv", "regions.csv", "sources.csv", "observations.csv"]) {
    writeFileSync(join(dir, file), readFileSync(join(data, file)));
  }
  const [child, address] = await startServer(
    `--data=${dir}`, "--watch_progress_interval=100ms",
    // Connections close after a second: the watch breaks and resumes.
    "--max_connection_age=1s", "--max_connection_age_grace=100ms");
  const edit = (from: string, to: string) => {
    const path = join(dir, "observations.csv");
    const text = readFileSync(path, "utf8");
    assert.ok(text.includes(from), from);
    writeFileSync(path, text.replace(from, to));
    child.kill("SIGHUP");
  };
  try {
    const seen: [bigint, string, number][] = [];
    let progress = 0;
    const watcher = (async () => {
      for await (const m of watchObservations(createIndicatorClient(address),
        { indicatorIds: ["rd_expenditure"], regionCodes: ["CN-GD"] }, { progress: true })) {
        if (m.event === WatchEvent.PROGRESS) progress++;
        for (const c of m.changes) {
          seen.push([c.revision, ChangeKind[c.kind], c.observation!.value]);
        }
        if (seen.length === 2) return;
      }
    })();
    const waitFor = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) await sleep(25);
      assert.ok(done());
    };
    await waitFor(() => progress > 0);
    edit("rd_expenditure,CN-GD,2023,480.26,", "rd_expenditure,CN-GD,2023,481,");
    await waitFor(() => seen.length === 1);
    await sleep(1500);  // The server closes the watch's connection meanwhile.
    edit("rd_expenditure,CN-GD,2023,481,", "rd_expenditure,CN-GD,2023,482,");
    await watcher;
    assert.deepEqual(seen, [[2n, "REVISED", 481], [3n, "REVISED", 482]]);
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("watch from now: a revision sent in several messages comes as one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "indicators-ts-watch-"));
  const data = process.env.INDICATORS_TEST_DATA!;
  for (const file of ["indicators.csv", "regions.csv", "sources.csv", "observations.csv"]) {
    writeFileSync(join(dir, file), readFileSync(join(data, file)));
  }
  // Two changes per message: the reload's eleven changes take six.
  const [child, address] = await startServer(`--data=${dir}`, "--stream_batch_size=2");
  try {
    const heard: [bigint, number][] = [];
    const watcher = (async () => {
      // From now, without progress: the first message the watch gets is
      // the first part of the revision.
      for await (const m of watchObservations(createIndicatorClient(address),
        { indicatorIds: ["rd_expenditure"], regionCodes: ["CN-GD"] })) {
        heard.push([m.revision, m.changes.length]);
        return;
      }
    })();
    await sleep(300);  // The watch has started.
    const path = join(dir, "observations.csv");
    const text = readFileSync(path, "utf8");
    const revised = text.replace(/^(rd_expenditure,CN-GD,20(?:19|2[0-3]),)([0-9.]+),/gm,
      (_, head: string, value: string) => `${head}${Number(value) + 1},`);
    assert.notEqual(revised, text);
    writeFileSync(path, revised);
    child.kill("SIGHUP");
    await watcher;
    const expected = text.split("\n").filter((l) => /^rd_expenditure,CN-GD,20(19|2[0-3]),/.test(l)).length;
    assert.ok(expected > 2, `${expected} changes`);
    assert.equal(heard.length, 1);
    assert.equal(heard[0][1], expected);
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("quota: the client waits as told and every call succeeds", async () => {
  const [child, address] = await startServer("--anonymous_requests_per_second=5");
  try {
    const client = createIndicatorClient(address);
    const start = Date.now();
    for (let i = 0; i < 12; i++) {
      assert.equal((await client.getIndicator({ id: "rd_intensity" })).id, "rd_intensity");
    }
    // 5 at once, then 7 at 5 a second.
    assert.ok(Date.now() - start >= 1300, `${Date.now() - start} ms`);
    // A raw refusal says how long to wait.
    const raw = createClient(IndicatorService, createGrpcTransport({ baseUrl: `http://${address}` }));
    let refused: unknown;
    for (let i = 0; i < 10 && refused === undefined; i++) {
      await raw.getIndicator({ id: "rd_intensity" }).catch((err) => { refused = err; });
    }
    const delay = retryDelayMs(refused);
    assert.ok(delay !== undefined && delay > 0 && delay <= 200, `delay ${delay}`);
    assert.equal(quotaViolations(refused)[0]?.subject, "address:127.0.0.1");
  } finally {
    child.kill("SIGKILL");
  }
});

test("quota: a watch refused for too many streams waits and starts", async () => {
  const [child, address] = await startServer("--anonymous_streams=1", "--watch_progress_interval=100ms");
  try {
    const raw = createClient(IndicatorService, createGrpcTransport({ baseUrl: `http://${address}` }));
    const held = new AbortController();
    const holder = raw.watchObservations({ progress: true }, { signal: held.signal, timeoutMs: 0 });
    await holder[Symbol.asyncIterator]().next();  // The one stream is open.
    let got: WatchEvent | undefined;
    let failed: unknown;
    const watcher = (async () => {
      try {
        for await (const m of watchObservations(createIndicatorClient(address), {}, { progress: true })) {
          got = m.event;
          return;
        }
      } catch (err) {
        failed = err;
      }
    })();
    await sleep(1500);
    assert.equal(failed, undefined);
    assert.equal(got, undefined, "admitted while the other stream was open");
    held.abort();  // Gives the place back.
    await watcher;
    assert.equal(failed, undefined);
    assert.equal(got, WatchEvent.PROGRESS);
  } finally {
    child.kill("SIGKILL");
  }
});
