// The tools: each is one call of the service (its request message is the
// tool's arguments, in protobuf's JSON mapping), and each answers with a
// short text an assistant can quote and structured content with every
// figure's value, qualifier, unit and power of ten, status and sources, the
// dataset version and the service's warnings.

import {
  AggregateObservationsRequestSchema,
  GetDatasetInfoRequestSchema,
  GetIndicatorRequestSchema,
  GetObservationHistoryRequestSchema,
  GetRegionRequestSchema,
  GetSourceRequestSchema,
  ListIndicatorsRequestSchema,
  ListRegionsRequestSchema,
  QueryObservationsRequestSchema,
  SearchCatalogRequestSchema,
  WarningCode,
  type AggregateObservationsRequest,
  type ComparabilityWarning,
  type DescMessage,
  type GetIndicatorRequest,
  type GetObservationHistoryRequest,
  type GetRegionRequest,
  type GetSourceRequest,
  type Indicator,
  type IndicatorClient,
  type ListIndicatorsRequest,
  type ListRegionsRequest,
  type QueryObservationsRequest,
  type Region,
  type SearchCatalogRequest,
} from "indicators-client";
import { Catalog } from "./catalog.js";
import {
  citedSources,
  formatNumber,
  observationLine,
  observationRecord,
  recordOfSource,
  scaleWords,
  sourceLine,
  unitWords,
  type Names,
  type SourceRecord,
} from "./figures.js";
import { OUTPUT_SCHEMAS } from "./output_schemas.js";

/** Observations per answer: an assistant's context is not a download. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** How far the matches beyond a page are counted (pages of 1000). */
export const MAX_COUNTED = 100_000;

export interface ToolContext {
  client: IndicatorClient;
  catalog: Catalog;
}

export interface ToolAnswer {
  text: string;
  structured: Record<string, unknown>;
}

export interface Tool<M extends DescMessage = DescMessage> {
  name: string;
  title: string;
  description: string;
  /** The request message: the tool's arguments and their schema. */
  request: M;
  run(ctx: ToolContext, request: any): Promise<ToolAnswer>;
}

function warningRecords(warnings: ComparabilityWarning[]) {
  return warnings.map((w) => ({
    code: WarningCode[w.code] ?? "UNSPECIFIED",
    message: w.message,
    figureCount: Number(w.figureCount),
  }));
}

function warningLines(warnings: ComparabilityWarning[]): string[] {
  if (warnings.length === 0) return [];
  return ["Warnings from the service:", ...warnings.map((w) => `- ${WarningCode[w.code]}: ${w.message}`)];
}

function sourcesSection(records: { sources: SourceRecord[] }[]): string[] {
  const cited = citedSources(records);
  return cited.length === 0 ? [] : ["Sources:", ...cited.map((s) => `- ${sourceLine(s)}`)];
}

function indicatorRecord(i: Indicator) {
  return {
    id: i.id,
    name: i.name,
    unit: i.unit,
    unitMultiplier: i.unitMultiplier,
    unitAsStated: [scaleWords(i.unitMultiplier), unitWords(i.unit)].filter((p) => p !== "").join(" "),
    description: i.description,
    aggregation: i.aggregation === 1 ? "sum" : "none",
    derivation: i.derivation
      ? {
          formula: i.derivation.formula,
          inputIndicatorIds: i.derivation.inputIndicatorIds,
          publishedEquivalentId: i.derivation.publishedEquivalentId,
        }
      : undefined,
  };
}

function indicatorLine(i: Indicator): string {
  const r = indicatorRecord(i);
  const derived = r.derivation ? `; computed: ${r.derivation.formula}` : "";
  return `${i.id} — ${i.name} (in ${r.unitAsStated}; ${r.aggregation === "sum" ? "adds up across regions" : "does not add up"}${derived})`;
}

function regionRecord(r: Region) {
  return { code: r.code, name: r.name, type: regionType(r.type), parentCode: r.parentCode };
}

function regionType(type: number): string {
  return ["unspecified", "country", "province", "autonomous_region", "municipality", "special_administrative_region", "aggregate"][type] ?? "unspecified";
}

/** " More: call again with pageToken ..." on a page that is not the last. */
function morePages(nextPageToken: string): string {
  return nextPageToken ? ` More: call again with pageToken "${nextPageToken}".` : "";
}

/** The version served, for the calls whose answer does not name it. */
async function servedVersion(ctx: ToolContext): Promise<string> {
  return (await ctx.client.getDatasetInfo({})).dataset?.version ?? "";
}

function versionLine(version: string): string {
  return `Dataset version ${version}.`;
}

/** Counts the matches after `pageToken`, up to MAX_COUNTED. */
async function countRemaining(ctx: ToolContext, request: QueryObservationsRequest, pageToken: string) {
  let remaining = 0;
  while (pageToken !== "" && remaining < MAX_COUNTED) {
    const page = await ctx.client.queryObservations({ ...request, pageSize: 1000, pageToken });
    remaining += page.observations.length;
    pageToken = page.nextPageToken;
  }
  return { remaining, exact: pageToken === "" };
}

const queryObservations: Tool<typeof QueryObservationsRequestSchema> = {
  name: "query_observations",
  title: "Query observations",
  description:
    "Observations (figures) of indicators by region and period, each with its value as the source stated it " +
    '(qualifier such as "over" or "about", unit and power of ten spelled out), status, and sources with publisher, ' +
    "title, date and address. Filter by indicator ids, region codes (with subregions), periods, sources, reliability, " +
    "status, latest only, one preferred figure per period (filter.sourceMode SOURCE_MODE_PREFERRED), or what was known " +
    "on a day (filter.knownOn). valueOptions converts currency, scale, or gives year-on-year growth. " +
    `Answers at most ${MAX_PAGE_SIZE} observations (default ${DEFAULT_PAGE_SIZE}), says how many more match, ` +
    "and gives nextPageToken for the next page.",
  request: QueryObservationsRequestSchema,
  async run(ctx, request: QueryObservationsRequest) {
    const pageSize = request.pageSize <= 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
    const page = await ctx.client.queryObservations({ ...request, pageSize });
    const { remaining, exact } = await countRemaining(ctx, request, page.nextPageToken);
    const names = await ctx.catalog.ensure(page.datasetVersion);
    const observations = page.observations.map((o) => observationRecord(o, names));
    const more = remaining === 0 ? "" : ` ${exact ? "" : "At least "}${formatNumber(remaining)} more match: call again with pageToken "${page.nextPageToken}".`;
    const first = request.pageToken === "" ? ` of ${exact ? "" : "at least "}${formatNumber(observations.length + remaining)} matching` : "";
    const text = [
      `${observations.length} observation${observations.length === 1 ? "" : "s"}${first}.${more} ${versionLine(page.datasetVersion)}`,
      ...observations.map((r) => `- ${observationLine(r)}`),
      ...warningLines(page.warnings),
      ...sourcesSection(observations),
    ].join("\n");
    return {
      text,
      structured: {
        datasetVersion: page.datasetVersion,
        observations,
        returned: observations.length,
        remaining,
        remainingIsExact: exact,
        nextPageToken: page.nextPageToken,
        warnings: warningRecords(page.warnings),
      },
    };
  },
};

const aggregateObservations: Tool<typeof AggregateObservationsRequestSchema> = {
  name: "aggregate_regions",
  title: "Add up regions",
  description:
    "Adds up one indicator over a region's children (parentRegionCode CN: the provinces) or over listed regions, " +
    "per period: the total as a computed figure with its weakest status and qualifier, how many regions were " +
    "expected and reported, which are missing, and the parent's own published total beside it.",
  request: AggregateObservationsRequestSchema,
  async run(ctx, request: AggregateObservationsRequest) {
    const answer = await ctx.client.aggregateObservations(request);
    const names = await ctx.catalog.ensure(answer.datasetVersion);
    const aggregates = answer.aggregates.map((a) => ({
      period: a.observation?.period ?? "",
      aggregate: a.observation ? observationRecord(a.observation, names) : undefined,
      expectedRegions: a.expectedRegions,
      reportingRegions: a.reportingRegions,
      missingRegionCodes: a.missingRegionCodes,
      publishedTotal: a.publishedTotal ? observationRecord(a.publishedTotal, names) : undefined,
      shareOfPublishedTotal: a.shareOfPublishedTotal,
    }));
    const lines = aggregates.map((a) => {
      const missing = a.missingRegionCodes.length ? `; missing ${a.missingRegionCodes.join(", ")}` : "";
      const published = a.publishedTotal
        ? `; published total ${a.publishedTotal.asStated} (${a.publishedTotal.status}), share ${formatNumber(Math.round(a.shareOfPublishedTotal * 10000) / 10000)}`
        : "";
      return `- ${a.period}: ${a.aggregate?.asStated ?? ""} (${a.aggregate?.status ?? ""}; ${a.reportingRegions} of ${a.expectedRegions} regions reported${missing}${published})`;
    });
    const inputs = aggregates.flatMap((a) => [a.aggregate, a.publishedTotal].filter((r) => r !== undefined));
    return {
      text: [
        `${aggregates.length} period${aggregates.length === 1 ? "" : "s"} of ${request.indicatorId} added up. ${versionLine(answer.datasetVersion)}`,
        ...lines,
        ...warningLines(answer.warnings),
        ...sourcesSection(inputs as { sources: SourceRecord[] }[]),
      ].join("\n"),
      structured: { datasetVersion: answer.datasetVersion, aggregates, warnings: warningRecords(answer.warnings) },
    };
  },
};

const figureHistory: Tool<typeof GetObservationHistoryRequestSchema> = {
  name: "figure_history",
  title: "History of a figure",
  description:
    "Every value given for one figure (indicator, region, period), oldest first by the day it became known: " +
    "preliminary figures, revisions, and (with a database) values later revised or withdrawn, with the revision " +
    "that recorded and superseded each.",
  request: GetObservationHistoryRequestSchema,
  async run(ctx, request: GetObservationHistoryRequest) {
    const answer = await ctx.client.getObservationHistory(request);
    const names = await ctx.catalog.ensure(answer.datasetVersion);
    const vintages = answer.vintages.map((v) => ({
      observation: observationRecord(v.observation!, names),
      knownFrom: v.knownFrom,
      recordedIn: Number(v.recordedIn),
      supersededIn: Number(v.supersededIn),
      withdrawn: v.withdrawn,
    }));
    const lines = vintages.map((v) => {
      const superseded = v.withdrawn ? `, withdrawn in revision ${v.supersededIn}` : v.supersededIn ? `, superseded in revision ${v.supersededIn}` : "";
      return `- known from ${v.knownFrom || "an unknown day"}: ${v.observation.asStated} (${v.observation.status}; sources ${v.observation.sources.map((s) => s.id).join(", ")}${superseded})`;
    });
    const figure = `${request.indicatorId} ${request.regionCode} ${request.period}`;
    return {
      text: [
        `${vintages.length} value${vintages.length === 1 ? "" : "s"} given for ${figure}. ${versionLine(answer.datasetVersion)}`,
        ...lines,
        ...sourcesSection(vintages.map((v) => v.observation)),
      ].join("\n"),
      structured: { datasetVersion: answer.datasetVersion, vintages },
    };
  },
};

const searchCatalog: Tool<typeof SearchCatalogRequestSchema> = {
  name: "search_catalog",
  title: "Search the catalog",
  description:
    "Finds indicators, regions and sources by free text (names, ids, codes, descriptions, publishers, titles), " +
    "best match first, tolerant of a typo. Use it to find the ids and codes the other tools take.",
  request: SearchCatalogRequestSchema,
  async run(ctx, request: SearchCatalogRequest) {
    const answer = await ctx.client.searchCatalog(request);
    const results = answer.results.map((r) => {
      const common = { score: r.score, matchedTerms: r.matchedTerms };
      switch (r.item.case) {
        case "indicator":
          return { kind: "indicator", ...common, indicator: indicatorRecord(r.item.value) };
        case "region":
          return { kind: "region", ...common, region: regionRecord(r.item.value) };
        case "source":
          return { kind: "source", ...common, source: recordOfSource(r.item.value.id, r.item.value) };
        default:
          return { kind: "unknown", ...common };
      }
    });
    const lines = answer.results.map((r) => {
      switch (r.item.case) {
        case "indicator":
          return `- indicator ${indicatorLine(r.item.value)}`;
        case "region":
          return `- region ${r.item.value.code} — ${r.item.value.name} (${regionType(r.item.value.type)})`;
        case "source":
          return `- source ${sourceLine(recordOfSource(r.item.value.id, r.item.value))}`;
        default:
          return "- (an entry of an unknown kind)";
      }
    });
    return {
      text: [`${results.length} match${results.length === 1 ? "" : "es"} for "${request.query}". ${versionLine(answer.datasetVersion)}`, ...lines].join("\n"),
      structured: { datasetVersion: answer.datasetVersion, results },
    };
  },
};

const describeIndicator: Tool<typeof GetIndicatorRequestSchema> = {
  name: "describe_indicator",
  title: "Describe an indicator",
  description:
    "One indicator: its name, exact definition, unit and power of ten, whether it adds up across regions, how it is " +
    "computed if the service derives it, and what the dataset holds of it (observations, regions, first and last period).",
  request: GetIndicatorRequestSchema,
  async run(ctx, request: GetIndicatorRequest) {
    const [indicator, info] = await Promise.all([ctx.client.getIndicator(request), ctx.client.getDatasetInfo({})]);
    const coverage = info.dataset?.coverage.find((c) => c.indicatorId === indicator.id);
    const record = {
      ...indicatorRecord(indicator),
      coverage: coverage
        ? {
            observationCount: Number(coverage.observationCount),
            regionCount: coverage.regionCount,
            firstPeriod: coverage.firstPeriod,
            lastPeriod: coverage.lastPeriod,
            sourceCount: coverage.sourceCount,
          }
        : undefined,
    };
    const held = record.coverage
      ? `The dataset holds ${formatNumber(record.coverage.observationCount)} observations of it in ${record.coverage.regionCount} regions, ${record.coverage.firstPeriod} to ${record.coverage.lastPeriod}, from ${record.coverage.sourceCount} sources.`
      : "The dataset holds no observation of it.";
    const version = info.dataset?.version ?? "";
    return {
      text: [indicatorLine(indicator), indicator.description, held, versionLine(version)].join("\n"),
      structured: { datasetVersion: version, indicator: record },
    };
  },
};

const describeRegion: Tool<typeof GetRegionRequestSchema> = {
  name: "describe_region",
  title: "Describe a region",
  description: "One region by its code (ISO 3166: CN, CN-GD, or an aggregate such as WORLD): name, kind and parent.",
  request: GetRegionRequestSchema,
  async run(ctx, request: GetRegionRequest) {
    const [region, version] = await Promise.all([ctx.client.getRegion(request), servedVersion(ctx)]);
    const parent = region.parentCode ? `, within ${region.parentCode}` : "";
    return {
      text: `${region.code} — ${region.name} (${regionType(region.type)}${parent}). ${versionLine(version)}`,
      structured: { datasetVersion: version, region: regionRecord(region) },
    };
  },
};

const describeSource: Tool<typeof GetSourceRequestSchema> = {
  name: "describe_source",
  title: "Describe a source",
  description: "One source by its id (as figures cite them): publisher, title, publication date, address, reliability grade and provenance remarks.",
  request: GetSourceRequestSchema,
  async run(ctx, request: GetSourceRequest) {
    const [source, version] = await Promise.all([ctx.client.getSource(request), servedVersion(ctx)]);
    const record = { ...recordOfSource(source.id, source), note: source.note };
    return {
      text: [sourceLine(record), source.note, versionLine(version)].filter((l) => l !== "").join("\n"),
      structured: { datasetVersion: version, source: record },
    };
  },
};

const listIndicators: Tool<typeof ListIndicatorsRequestSchema> = {
  name: "list_indicators",
  title: "List the indicators",
  description: "The indicators by id, with name, unit and power of ten (includeDerived adds the ones the service computes). Paged: pass nextPageToken for more.",
  request: ListIndicatorsRequestSchema,
  async run(ctx, request: ListIndicatorsRequest) {
    const page = await ctx.client.listIndicators(request);
    const more = morePages(page.nextPageToken);
    return {
      text: [`${page.indicators.length} indicators.${more} ${versionLine(page.datasetVersion)}`, ...page.indicators.map((i) => `- ${indicatorLine(i)}`)].join("\n"),
      structured: { datasetVersion: page.datasetVersion, indicators: page.indicators.map(indicatorRecord), nextPageToken: page.nextPageToken },
    };
  },
};

const listRegions: Tool<typeof ListRegionsRequestSchema> = {
  name: "list_regions",
  title: "List the regions",
  description: "The regions by code, optionally only those within a parent (parentCode CN: the provinces) or of one type. Paged: pass nextPageToken for more.",
  request: ListRegionsRequestSchema,
  async run(ctx, request: ListRegionsRequest) {
    const page = await ctx.client.listRegions(request);
    const more = morePages(page.nextPageToken);
    return {
      text: [
        `${page.regions.length} regions.${more} ${versionLine(page.datasetVersion)}`,
        ...page.regions.map((r) => `- ${r.code} — ${r.name} (${regionType(r.type)})`),
      ].join("\n"),
      structured: { datasetVersion: page.datasetVersion, regions: page.regions.map(regionRecord), nextPageToken: page.nextPageToken },
    };
  },
};

const datasetInfo: Tool<typeof GetDatasetInfoRequestSchema> = {
  name: "dataset_info",
  title: "The dataset served",
  description:
    "What the service serves: the dataset's version (a content hash to cite), when it was loaded, its database " +
    "revision, where it comes from, whether it is behind its database, and per indicator how many observations " +
    "and regions it holds over which periods.",
  request: GetDatasetInfoRequestSchema,
  async run(ctx) {
    const info = await ctx.client.getDatasetInfo({});
    const d = info.dataset!;
    const loaded = d.loadTime ? new Date(Number(d.loadTime.seconds) * 1000).toISOString() : "";
    const stale = info.staleSince ? new Date(Number(info.staleSince.seconds) * 1000).toISOString() : "";
    const coverage = d.coverage.map((c) => ({
      indicatorId: c.indicatorId,
      observationCount: Number(c.observationCount),
      regionCount: c.regionCount,
      firstPeriod: c.firstPeriod,
      lastPeriod: c.lastPeriod,
      sourceCount: c.sourceCount,
    }));
    const text = [
      `Dataset version ${d.version}, loaded ${loaded} from ${info.source}${d.revision ? ` at revision ${d.revision}` : ""}.`,
      stale ? `Behind its database since ${stale}: it serves the last version it loaded.` : "",
      `${formatNumber(Number(d.observationCount))} observations of ${d.indicatorCount} indicators in ${d.regionCount} regions from ${d.sourceCount} sources.`,
      ...coverage.map((c) => `- ${c.indicatorId}: ${formatNumber(c.observationCount)} observations, ${c.regionCount} regions, ${c.firstPeriod} to ${c.lastPeriod}`),
    ].filter((l) => l !== "");
    return {
      text: text.join("\n"),
      structured: {
        datasetVersion: d.version,
        loadTime: loaded,
        revision: Number(d.revision),
        source: info.source,
        staleSince: stale,
        indicatorCount: d.indicatorCount,
        regionCount: d.regionCount,
        sourceCount: d.sourceCount,
        observationCount: Number(d.observationCount),
        coverage,
      },
    };
  },
};

/** Every tool, in the order a client lists them. */
export const TOOLS: Tool[] = [
  searchCatalog,
  describeIndicator,
  describeRegion,
  describeSource,
  listIndicators,
  listRegions,
  queryObservations,
  aggregateObservations,
  figureHistory,
  datasetInfo,
];

/** The output schema of each tool, by name (output_schemas.ts). */
export function outputSchemaOf(tool: Tool): Record<string, unknown> {
  return OUTPUT_SCHEMAS[tool.name];
}
