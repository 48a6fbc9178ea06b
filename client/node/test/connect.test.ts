// The HTTP surface against gRPC: every RPC called over the Connect protocol
// (JSON and binary, HTTP/1.1) gives exactly the answer, or the error (code,
// reason, fields), the same call gives over gRPC. Starts a live
// indicators-server from $INDICATORS_SERVER with --http_listen on
// 127.0.0.1 (port 0) over the frozen test dataset, stops it at the end.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";

import { clone, equals, type DescMessage, type DescMethod, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

import { createIndicatorClient, errorInfo, fieldViolations, type IndicatorClient } from "../src/client.js";
import { IndicatorService } from "../src/gen/indicators/v1/indicator_service_pb.js";

const ADMIN = "connect-test-admin-token";
const WRITER = "connect-test-writer-token";
let server: ChildProcess;
let dir: string;
let grpcTarget: string;
let httpTarget: string;

const show = (value: unknown) =>
  JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

before(async () => {
  const binary = process.env.INDICATORS_SERVER;
  assert.ok(binary, "set INDICATORS_SERVER to the indicators-server binary");
  const data = process.env.INDICATORS_TEST_DATA;
  assert.ok(data, "set INDICATORS_TEST_DATA to a test dataset directory");
  dir = mkdtempSync(join(tmpdir(), "indicators-connect-"));
  writeFileSync(join(dir, "tokens"), `${sha256(ADMIN)} admin\n${sha256(WRITER)} write\n`);
  server = spawn(
    binary,
    [
      "--listen=127.0.0.1:0",
      "--http_listen=127.0.0.1:0",
      `--data=${data}`,
      "--stream_batch_size=5",
      `--tokens_file=${join(dir, "tokens")}`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: server.stdout! });
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    lines.on("line", (line) => {
      seen.push(line);
      const grpc = /listening on (127\.0\.0\.1:\d+);/.exec(line);
      if (grpc) grpcTarget = grpc[1];
      const http = /http on http:\/\/(127\.0\.0\.1:\d+)\//.exec(line);
      if (http) {
        httpTarget = http[1];
        resolve();
      }
    });
    server.once("exit", () => reject(new Error(`server exited: ${seen.join("\n")}`)));
  });
  assert.ok(grpcTarget, `no gRPC address in: ${seen.join("\n")}`);
});

after(() => {
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

type Transport = "grpc" | "connect+json" | "connect+proto";
const TRANSPORTS: Transport[] = ["grpc", "connect+json", "connect+proto"];

function clientOf(transport: Transport, token?: string): IndicatorClient {
  if (transport === "grpc") return createIndicatorClient(grpcTarget, { token });
  return createIndicatorClient(httpTarget, { token, connect: { binary: transport === "connect+proto" } });
}

// One request per RPC, each chosen to return something non-trivial.
const REQUESTS: Record<string, object> = {
  listIndicators: { pageSize: 3, includeDerived: true },
  getIndicator: { id: "rd_expenditure" },
  listRegions: { pageSize: 4 },
  getRegion: { code: "CN-GD" },
  listSources: { pageSize: 2 },
  getSource: { id: "SEED" },
  queryObservations: { filter: { regionCodes: ["CN-GD"] }, pageSize: 7 },
  streamObservations: { filter: { indicatorIds: ["rd_expenditure", "rd_personnel"] } },
  streamObservationColumns: { filter: { regionCodes: ["CN-GD", "CN-BJ"] } },
  getDatasetInfo: {},
  getObservationHistory: { indicatorId: "rd_expenditure", regionCode: "CN-GD", period: "2023" },
  watchObservations: { filter: { regionCodes: ["CN-GD"] }, initialSnapshot: true },
  aggregateObservations: { indicatorId: "rd_expenditure", regionCodes: ["CN-GD", "CN-BJ"], startPeriod: "2020" },
  searchCatalog: { query: "Guangdong R&D" },
  rankRegions: { indicatorId: "high_tech_enterprises", regionCodes: ["CN", "CN-GD"], period: "2023" },
  reconcileObservations: { filter: { indicatorIds: ["rd_expenditure"], regionCodes: ["CN-GD"] }, pageSize: 3 },
};

type Outcome = { messages: Message[] } | { code: Code; reason?: string; fields: string[] };

async function call(transport: Transport, method: DescMethod, request: object, token?: string): Promise<Outcome> {
  const client = clientOf(transport, token) as unknown as Record<string, (req: object, opts?: object) => unknown>;
  const fn = client[method.localName].bind(client);
  try {
    if (method.methodKind === "unary") {
      return { messages: [(await fn(request)) as Message] };
    }
    const messages: Message[] = [];
    const abort = new AbortController();
    // A watch never ends by itself: its snapshot and marker are enough.
    const limit = method.name === "WatchObservations" ? 2 : Infinity;
    for await (const m of fn(request, { signal: abort.signal }) as AsyncIterable<Message>) {
      messages.push(m);
      if (messages.length >= limit) {
        abort.abort();
        break;
      }
    }
    return { messages };
  } catch (err) {
    const e = ConnectError.from(err);
    return { code: e.code, reason: errorInfo(e)?.reason, fields: fieldViolations(e).map((v) => v.field) };
  }
}

function assertSameOutcome(method: DescMethod, a: Outcome, b: Outcome, what: string) {
  if ("messages" in a && "messages" in b) {
    assert.equal(b.messages.length, a.messages.length, `${what}: number of messages`);
    a.messages.forEach((m, i) => {
      assert.ok(equals(method.output as DescMessage, m, b.messages[i]), `${what}: message ${i} differs`);
    });
  } else {
    assert.deepEqual(b, a, what);
  }
}

test("every RPC answers over Connect (JSON and binary) exactly as over gRPC", async () => {
  const covered = new Set<string>();
  for (const method of IndicatorService.methods) {
    const request = REQUESTS[method.localName];
    if (request === undefined) continue;
    const expected = await call("grpc", method, request);
    assert.ok("messages" in expected && expected.messages.length > 0, `${method.name}: gRPC gave ${show(expected)}`);
    for (const transport of TRANSPORTS.slice(1)) {
      assertSameOutcome(method, expected, await call(transport, method, request), `${method.name} over ${transport}`);
    }
    covered.add(method.name);
  }
  // The two methods that change state: a reload (admin) and an ingest (no
  // database here, so refused the same way everywhere).
  for (const transport of TRANSPORTS) {
    const reload = IndicatorService.method.reloadDataset;
    const outcome = await call(transport, reload, {}, ADMIN);
    assert.ok("messages" in outcome, `ReloadDataset over ${transport}: ${show(outcome)}`);
    const answer = clone(reload.output, outcome.messages[0] as never) as { outcome?: { succeeded: boolean } };
    assert.equal(answer.outcome?.succeeded, true, `ReloadDataset over ${transport}`);
  }
  covered.add("ReloadDataset");
  const ingest = IndicatorService.method.ingestObservations;
  const batch = {
    observations: [{ indicatorId: "rd_personnel", regionCode: "CN-GD", period: "2023", value: 1, sourceIds: ["SEED"] }],
  };
  const refused = await call("grpc", ingest, batch, WRITER);
  assert.ok("code" in refused && refused.code === Code.FailedPrecondition, show(refused));
  for (const transport of TRANSPORTS.slice(1)) {
    assertSameOutcome(ingest, refused, await call(transport, ingest, batch, WRITER), `IngestObservations over ${transport}`);
  }
  covered.add("IngestObservations");
  assert.deepEqual([...covered].sort(), IndicatorService.methods.map((m) => m.name).sort());
});

test("bad requests fail over Connect with gRPC's code, reason and fields", async () => {
  const m = IndicatorService.method;
  const cases: [DescMethod, object, string | undefined][] = [
    [m.getIndicator, { id: "no_such_indicator" }, undefined],
    [m.queryObservations, { filter: { startPeriod: "20x3" } }, undefined],
    [m.queryObservations, { pageSize: -1 }, undefined],
    [m.queryObservations, { pageToken: "not-a-token" }, undefined],
    [m.streamObservations, { filter: { regionCodes: ["XX-NOPE"] } }, undefined],
    [m.getObservationHistory, { indicatorId: "rd_expenditure" }, undefined],
    [m.reloadDataset, {}, undefined], // No token: refused before anything else.
    [m.reloadDataset, {}, WRITER], // A token without the admin scope.
    [m.ingestObservations, { observations: [{ indicatorId: "rd_expenditure" }] }, "wrong-token"],
    [m.queryObservations, { filter: { sourceIds: Array.from({ length: 2000 }, (_, i) => `S${i}`) } }, undefined],
    // Over the request limit (64 KiB by default) in either encoding.
    [m.searchCatalog, { query: "x".repeat(70_000) }, undefined],
  ];
  for (const [method, request, token] of cases) {
    const expected = await call("grpc", method, request, token);
    assert.ok("code" in expected, `${method.name} ${show(request).slice(0, 80)}: gRPC did not fail`);
    for (const transport of TRANSPORTS.slice(1)) {
      const got = await call(transport, method, request, token);
      assert.deepEqual(got, expected, `${method.name} over ${transport}`);
    }
  }
});
