// The MCP server against a live indicators-server ($INDICATORS_SERVER on
// 127.0.0.1, port 0, over the frozen innovation data in $INDICATORS_TEST_DATA):
// the MCP SDK's own client, over stdio and over Streamable HTTP, lists the
// tools, calls each, and every figure's numbers, units, qualifiers and
// sources must equal what the same call over gRPC answers.

import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  Code,
  ConnectError,
  Qualifier,
  errorInfo,
  SourceMode,
  createIndicatorClient,
  queryAll,
  type IndicatorClient,
  type Observation,
  type Source,
} from "indicators-client";

const MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
let server: ChildProcess;
let target: string;
let grpc: IndicatorClient;
let mcp: Client;
let sources: Map<string, Source>;
const children: ChildProcess[] = [];

async function startServer(...extra: string[]): Promise<[ChildProcess, string]> {
  const child = spawn(process.env.INDICATORS_SERVER!, ["--listen=127.0.0.1:0", `--data=${process.env.INDICATORS_TEST_DATA}`, ...extra], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const first: string = await new Promise((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
  const match = /listening on (127\.0\.0\.1:\d+);/.exec(first);
  assert.ok(match, `server did not start: ${first}`);
  return [child, match[1]];
}

async function connectStdio(args: string[], env: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "indicators-mcp-test", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [MAIN, ...args],
      env: { PATH: process.env.PATH ?? "", ...env },
      stderr: "inherit",
    }),
  );
  await client.listTools(); // The client validates answers against the output schemas it lists.
  return client;
}

/** Starts the MCP server on Streamable HTTP and returns its endpoint. */
async function startHttpMcp(args: string[], env: Record<string, string> = {}): Promise<URL> {
  const child = spawn(process.execPath, [MAIN, ...args, "--http_listen=127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  children.push(child);
  const first: string = await new Promise((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
  const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp);/.exec(first);
  assert.ok(match, `MCP server did not start: ${first}`);
  return new URL(match[1]);
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

/** A tool error's code, reason, field and hint. */
function errorOf(result: CallToolResult): any {
  assert.equal(result.isError, true, "not an error");
  assert.equal(result.structuredContent, undefined);
  return (result._meta as any)["indicators.v1/error"];
}

function structured(result: CallToolResult): any {
  assert.ok(!result.isError, `tool error: ${textOf(result)}`);
  assert.ok(result.structuredContent, "no structured content");
  return result.structuredContent;
}

const QUALIFIERS: Record<number, string> = {
  [Qualifier.EXACT]: "exact",
  [Qualifier.ABOUT]: "about",
  [Qualifier.OVER]: "over",
  [Qualifier.UNDER]: "under",
  [Qualifier.NEARLY]: "nearly",
};

/** A structured figure must carry exactly what gRPC answered for it. */
function assertSameFigure(got: any, want: Observation, where: string) {
  assert.equal(got.indicatorId, want.indicatorId, where);
  assert.equal(got.regionCode, want.regionCode, where);
  assert.equal(got.period, want.period, where);
  assert.equal(got.value, want.value, where);
  assert.equal(got.unit, want.unit, where);
  assert.equal(got.unitMultiplier, want.unitMultiplier, where);
  assert.equal(got.qualifier, QUALIFIERS[want.qualifier], where);
  assert.equal(got.derived, want.derived, where);
  assert.deepEqual(
    got.sources.map((s: any) => s.id),
    want.sourceIds,
    where,
  );
  for (const s of got.sources) {
    const known = sources.get(s.id)!;
    assert.deepEqual([s.publisher, s.title, s.published, s.url], [known.publisher, known.title, known.published, known.url], `${where} ${s.id}`);
  }
}

before(async () => {
  [server, target] = await startServer();
  grpc = createIndicatorClient(target);
  sources = new Map((await grpc.listSources({ pageSize: 1000 })).sources.map((s) => [s.id, s]));
  mcp = await connectStdio([`--target=${target}`]);
});

after(async () => {
  await mcp?.close();
  for (const child of children) child.kill("SIGKILL");
});

test("lists every tool with the request message's schema and an output schema", async () => {
  const { tools } = await mcp.listTools();
  const names = tools.map((t) => t.name);
  for (const name of [
    "search_catalog",
    "describe_indicator",
    "describe_region",
    "describe_source",
    "list_indicators",
    "list_regions",
    "query_observations",
    "aggregate_regions",
    "figure_history",
    "dataset_info",
  ]) {
    assert.ok(names.includes(name), `${name} missing from ${names}`);
  }
  const query = tools.find((t) => t.name === "query_observations")!;
  const filter = (query.inputSchema.properties as any).filter;
  // From the proto: the JSON names, the enum values and the comments.
  assert.equal(filter.properties.indicatorIds.type, "array");
  assert.ok(filter.properties.sourceMode.enum.includes("SOURCE_MODE_PREFERRED"));
  assert.match(filter.properties.knownOn.description, /What was known on this day/);
  assert.equal((query.outputSchema as any).properties.observations.items.properties.qualifier.enum.includes("over"), true);
  for (const tool of tools) {
    assert.equal(tool.inputSchema.type, "object", tool.name);
    assert.ok(tool.outputSchema, `${tool.name} has no output schema`);
    assert.ok((tool.description ?? "").length > 40, `${tool.name} is not described`);
    assert.doesNotMatch(JSON.stringify(tool.inputSchema), /\$ref/, `${tool.name} refers outside its schema`);
  }
});

test("hedged seed figures keep their qualifiers in the text and the structured content", async () => {
  const result = await call(mcp, "query_observations", {
    filter: { indicatorIds: ["high_tech_enterprises", "rd_expenditure"], regionCodes: ["CN-GD"], startPeriod: "2023", endPeriod: "2023" },
  });
  const text = textOf(result);
  const figures = structured(result).observations;
  const hightech = figures.filter((o: any) => o.indicatorId === "high_tech_enterprises");
  assert.ok(hightech.length >= 2);
  for (const o of hightech) {
    assert.equal(o.qualifier, "over");
    assert.equal(o.asStated, "over 75,000 enterprises");
  }
  const about = figures.find((o: any) => o.indicatorId === "rd_expenditure" && o.qualifier === "about");
  assert.ok(about, "the about-460 bn yuan figure is missing");
  assert.equal(about.asStated, "about 460 billion CNY");
  assert.equal(about.value, 460);
  assert.equal(about.unitMultiplier, 9);
  assert.match(text, /Guangdong \(CN-GD\), High-tech enterprises, 2023: over 75,000 enterprises \(preliminary; sources S1, S11, S2\)/);
  assert.match(text, /R&D expenditure, 2023: about 460 billion CNY \(preliminary; sources S2\)/);
  // No figure line states a hedged value bare.
  for (const line of text.split("\n").filter((l) => l.includes("High-tech enterprises, 2023"))) {
    assert.match(line, /: over 75,000 /, line);
  }
  // The sources, once each, with publisher, title, date and address.
  const s2 = sources.get("S2")!;
  assert.ok(text.includes(`S2 — ${s2.publisher}, ${s2.title}`), text);
  if (s2.url) assert.ok(text.includes(`<${s2.url}>`));
});

test("query_observations equals QueryObservations over gRPC, with the version and warnings", async () => {
  const filter = { indicatorIds: ["rd_expenditure", "rd_intensity"], regionCodes: ["CN", "CN-GD", "CN-BJ"], startPeriod: "2019" };
  const result = structured(await call(mcp, "query_observations", { filter, pageSize: 200 }));
  const page = await grpc.queryObservations({ filter, pageSize: 200 });
  assert.equal(result.datasetVersion, page.datasetVersion);
  assert.equal(result.observations.length, page.observations.length);
  assert.ok(page.observations.length > 10);
  page.observations.forEach((o, i) => assertSameFigure(result.observations[i], o, `observation ${i}`));
  assert.deepEqual(
    result.warnings.map((w: any) => w.code),
    page.warnings.map((w) => ["", "MIXED_STATUS", "INEXACT_QUALIFIER", "SOURCE_CHANGE", "MIXED_UNITS", "DERIVED_WITH_PUBLISHED", "DIFFERENT_RATES", "NOT_CONVERTED", "NO_PREVIOUS_PERIOD", "INCOMPLETE_COVERAGE"][w.code]),
  );
  assert.ok(result.warnings.length > 0, "the mixed figures give warnings");
});

test("a converted figure keeps every digit in value, states six, and names its original and rate", async () => {
  const args = { filter: { indicatorIds: ["rd_expenditure"], regionCodes: ["CN-GD"], startPeriod: "2021", endPeriod: "2021" }, valueOptions: { currency: "USD" } };
  const result = await call(mcp, "query_observations", args);
  const page = await grpc.queryObservations({ ...args, valueOptions: { currency: "USD" } });
  const got = structured(result).observations;
  assert.ok(page.observations.length > 0);
  page.observations.forEach((o, i) => {
    assertSameFigure(got[i], o, `converted ${i}`);
    assert.equal(got[i].conversion.originalValue, o.conversion!.originalValue);
    assert.equal(got[i].conversion.originalUnit, "CNY");
    assert.match(got[i].conversion.rate.asStated, /CNY per USD$/);
    const shown = Number(o.value.toPrecision(6));
    assert.ok(got[i].asStated.includes(`${shown} billion USD`), `${got[i].asStated} shows ${shown}`);
    assert.ok(textOf(result).includes(`converted from ${got[i].conversion.originalAsStated}`));
  });
});

test("pages state how many more match and continue exactly where gRPC does", async () => {
  const filter = { indicatorIds: ["gdp"], sourceMode: "SOURCE_MODE_PREFERRED" };
  const all = await queryAll(grpc, { indicatorIds: ["gdp"], sourceMode: SourceMode.PREFERRED });
  assert.ok(all.length > 12, `only ${all.length} gdp figures`);
  const first = await call(mcp, "query_observations", { filter, pageSize: 5 });
  const one = structured(first);
  assert.equal(one.returned, 5);
  assert.equal(one.remaining, all.length - 5);
  assert.equal(one.remainingIsExact, true);
  assert.match(textOf(first), new RegExp(`^5 observations of ${all.length} matching\\. ${all.length - 5} more match: call again with pageToken "`));
  const second = structured(await call(mcp, "query_observations", { filter, pageSize: 5, pageToken: one.nextPageToken }));
  all.slice(5, 10).forEach((o, i) => assertSameFigure(second.observations[i], o, `second page ${i}`));
  // An agent cannot ask for a download's worth at once.
  const big = structured(await call(mcp, "query_observations", { pageSize: 100000 }));
  assert.equal(big.returned, 200);
});

test("aggregate_regions, figure_history and dataset_info equal their gRPC calls", async () => {
  const aggregate = structured(
    await call(mcp, "aggregate_regions", { indicatorId: "rd_expenditure", parentRegionCode: "CN", startPeriod: "2021", endPeriod: "2023" }),
  );
  const sums = await grpc.aggregateObservations({ indicatorId: "rd_expenditure", parentRegionCode: "CN", startPeriod: "2021", endPeriod: "2023" });
  assert.equal(aggregate.aggregates.length, sums.aggregates.length);
  assert.ok(sums.aggregates.length > 0);
  sums.aggregates.forEach((a, i) => {
    const got = aggregate.aggregates[i];
    assertSameFigure(got.aggregate, a.observation!, `aggregate ${i}`);
    assert.equal(got.expectedRegions, a.expectedRegions);
    assert.equal(got.reportingRegions, a.reportingRegions);
    assert.deepEqual(got.missingRegionCodes, a.missingRegionCodes);
    if (a.publishedTotal) assertSameFigure(got.publishedTotal, a.publishedTotal, `published total ${i}`);
  });

  const history = await call(mcp, "figure_history", { indicatorId: "rd_expenditure", regionCode: "CN-GD", period: "2023" });
  const vintages = (await grpc.getObservationHistory({ indicatorId: "rd_expenditure", regionCode: "CN-GD", period: "2023" })).vintages;
  const got = structured(history).vintages;
  assert.equal(got.length, vintages.length);
  vintages.forEach((v, i) => {
    assertSameFigure(got[i].observation, v.observation!, `vintage ${i}`);
    assert.equal(got[i].knownFrom, v.knownFrom);
  });
  assert.match(textOf(history), /over 460 billion CNY \(estimate; sources S1\)/);

  const info = structured(await call(mcp, "dataset_info", {}));
  const want = (await grpc.getDatasetInfo({})).dataset!;
  assert.equal(info.datasetVersion, want.version);
  assert.equal(info.observationCount, Number(want.observationCount));
  assert.deepEqual(
    info.coverage.map((c: any) => [c.indicatorId, c.observationCount, c.firstPeriod, c.lastPeriod]),
    want.coverage.map((c) => [c.indicatorId, Number(c.observationCount), c.firstPeriod, c.lastPeriod]),
  );
});

test("the catalog tools equal their gRPC calls", async () => {
  const search = structured(await call(mcp, "search_catalog", { query: "guangdong r&d", maxResults: 10 }));
  const found = await grpc.searchCatalog({ query: "guangdong r&d", maxResults: 10 });
  assert.ok(found.results.length > 0);
  assert.deepEqual(
    search.results.map((r: any) => [r.kind, r.indicator?.id ?? r.region?.code ?? r.source?.id, r.score]),
    found.results.map((r) => [r.item.case, (r.item.value as any).id ?? (r.item.value as any).code, r.score]),
  );

  const indicator = await call(mcp, "describe_indicator", { id: "rd_expenditure" });
  const described = structured(indicator).indicator;
  const want = await grpc.getIndicator({ id: "rd_expenditure" });
  assert.deepEqual([described.unit, described.unitMultiplier, described.description], [want.unit, want.unitMultiplier, want.description]);
  assert.equal(described.unitAsStated, "billion CNY");
  assert.ok(described.coverage.observationCount > 0);
  assert.match(textOf(indicator), /rd_expenditure — R&D expenditure \(in billion CNY; adds up across regions\)/);

  const version = (await grpc.getDatasetInfo({})).dataset!.version;
  const described2 = structured(await call(mcp, "describe_region", { code: "CN-GD" }));
  assert.equal(described2.datasetVersion, version);
  const region = described2.region;
  assert.deepEqual(region, { code: "CN-GD", name: (await grpc.getRegion({ code: "CN-GD" })).name, type: "province", parentCode: "CN" });

  const source = structured(await call(mcp, "describe_source", { id: "S13" })).source;
  const s13 = sources.get("S13")!;
  assert.deepEqual([source.publisher, source.title, source.published, source.url, source.note], [s13.publisher, s13.title, s13.published, s13.url, s13.note]);

  const indicators = structured(await call(mcp, "list_indicators", { pageSize: 1000, includeDerived: true }));
  const listed = await grpc.listIndicators({ pageSize: 1000, includeDerived: true });
  assert.deepEqual(
    indicators.indicators.map((i: any) => [i.id, i.unit, i.unitMultiplier, i.derivation?.formula ?? ""]),
    listed.indicators.map((i) => [i.id, i.unit, i.unitMultiplier, i.derivation?.formula ?? ""]),
  );

  const provinces = structured(await call(mcp, "list_regions", { parentCode: "CN", pageSize: 1000 }));
  const want2 = await grpc.listRegions({ parentCode: "CN", pageSize: 1000 });
  assert.deepEqual(
    provinces.regions.map((r: any) => r.code),
    want2.regions.map((r) => r.code),
  );
});

test("a bad argument is a tool error naming the field, with the service's reason and a hint", async () => {
  const unknown = await call(mcp, "query_observations", { filter: { indicatorIds: ["rd_expenditur"] } });
  assert.equal(unknown.isError, true);
  const error = errorOf(unknown);
  assert.equal(error.code, "NOT_FOUND");
  assert.equal(error.reason, "UNKNOWN_INDICATOR");
  assert.match(error.field, /indicator_ids/);
  assert.match(textOf(unknown), /UNKNOWN_INDICATOR.*rd_expenditur.*Hint: search_catalog/s);
  // The same call over gRPC fails with the same code and reason.
  await assert.rejects(grpc.queryObservations({ filter: { indicatorIds: ["rd_expenditur"] } }), (e: unknown) => {
    assert.equal(ConnectError.from(e).code, Code.NotFound);
    assert.equal(errorInfo(e)?.reason, error.reason);
    assert.equal(errorInfo(e)?.metadata.field, error.field);
    return true;
  });

  const period = errorOf(await call(mcp, "query_observations", { filter: { startPeriod: "2023-13" } }));
  assert.equal(period.reason, "INVALID_PERIOD");
  assert.match(period.field, /start_period/);

  const type = await call(mcp, "query_observations", { pageSize: "many" });
  assert.equal(type.isError, true);
  assert.equal(errorOf(type).field, "pageSize");
  assert.match(textOf(type), /pageSize must be integer/);

  const extra = await call(mcp, "query_observations", { filter: { indicator: "gdp" } });
  assert.equal(errorOf(extra).field, "filter.indicator");
  assert.match(textOf(extra), /filter\.indicator is not a field of this tool/);

  const enumValue = await call(mcp, "query_observations", { filter: { statuses: ["FINALISH"] } });
  assert.equal(errorOf(enumValue).field, "filter.statuses[0]");
  assert.match(textOf(enumValue), /OBSERVATION_STATUS_FINAL/);

  const missing = errorOf(await call(mcp, "figure_history", { indicatorId: "gdp", regionCode: "CN" }));
  assert.match(missing.field, /period/);

  const noTool = await call(mcp, "drop_tables", {});
  assert.equal(noTool.isError, true);
  assert.match(textOf(noTool), /the tools are search_catalog/);
});

test("resources: the guide and the catalog", async () => {
  const { resources } = await mcp.listResources();
  assert.deepEqual(resources.map((r) => r.uri).sort(), ["indicators://catalog/indicators", "indicators://catalog/sources", "indicators://guide"]);
  const guide = await mcp.readResource({ uri: "indicators://guide" });
  assert.match((guide.contents[0] as any).text, /a lower bound: "over 75,000"/);
  const catalog = JSON.parse(((await mcp.readResource({ uri: "indicators://catalog/indicators" })).contents[0] as any).text);
  const listed = await grpc.listIndicators({ pageSize: 1000, includeDerived: true });
  assert.deepEqual(catalog.map((i: any) => i.id).sort(), listed.indicators.map((i) => i.id).sort());
});

test("over Streamable HTTP: the same tools and answers, and the endpoint's token", async () => {
  const endpoint = await startHttpMcp([`--target=${target}`], { INDICATORS_MCP_TOKEN: "mcp-secret" });
  const refused = await fetch(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(refused.status, 401);
  const client = new Client({ name: "indicators-mcp-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: "Bearer mcp-secret" } } }));
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      (await mcp.listTools()).tools.map((t) => t.name),
    );
    const args = { filter: { indicatorIds: ["high_tech_enterprises"], regionCodes: ["CN-GD"], startPeriod: "2023", endPeriod: "2023" } };
    const overHttp = await call(client, "query_observations", args);
    const overStdio = await call(mcp, "query_observations", args);
    assert.deepEqual(overHttp.structuredContent, overStdio.structuredContent);
    assert.equal(textOf(overHttp), textOf(overStdio));
    assert.match(textOf(overHttp), /over 75,000 enterprises/);
    const bad = await call(client, "describe_indicator", { id: "nope" });
    assert.equal(bad.isError, true);
    assert.equal(errorOf(bad).code, "NOT_FOUND");
  } finally {
    await client.close();
  }
});

test("TLS and a token from the environment reach the service; without the token, a tool error says so", async () => {
  const dir = mkdtempSync(join(tmpdir(), "indicators-mcp-tls-"));
  try {
    const openssl = (...args: string[]) => assert.equal(spawnSync("openssl", args, { stdio: "ignore" }).status, 0, `openssl ${args.join(" ")}`);
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ca", "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.pem"));
    writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=server", "-keyout", join(dir, "server.key"), "-out", join(dir, "server.csr"));
    openssl("x509", "-req", "-days", "2", "-in", join(dir, "server.csr"), "-CA", join(dir, "ca.pem"), "-CAkey", join(dir, "ca.key"),
      "-CAcreateserial", "-extfile", join(dir, "server.ext"), "-out", join(dir, "server.pem"));
    writeFileSync(join(dir, "tokens"), `${createHash("sha256").update("reader-token").digest("hex")} read\n`);
    const [, secure] = await startServer(`--tls_cert_file=${join(dir, "server.pem")}`, `--tls_key_file=${join(dir, "server.key")}`,
      `--tokens_file=${join(dir, "tokens")}`, "--require_read_token");
    const withToken = await connectStdio([`--target=${secure}`, `--tls_ca=${join(dir, "ca.pem")}`], { INDICATORS_TOKEN: "reader-token" });
    try {
      const info = structured(await call(withToken, "dataset_info", {}));
      assert.ok(info.observationCount > 0);
    } finally {
      await withToken.close();
    }
    const without = await connectStdio([`--target=${secure}`, `--tls_ca=${join(dir, "ca.pem")}`]);
    try {
      const refused = await call(without, "dataset_info", {});
      assert.equal(refused.isError, true);
      assert.equal(errorOf(refused).code, "UNAUTHENTICATED");
      assert.match(textOf(refused), /Hint: Set INDICATORS_TOKEN/);
    } finally {
      await without.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
