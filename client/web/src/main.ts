// The explorer: pick an indicator, regions and years; see the series over
// time and the provinces ranked for one year, the figures beneath, and get
// them as a file, a permalink or an API call. Every figure comes from the
// service through the generated client over Connect (JSON), from the
// server that served this page.

import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type TooltipModel,
} from "chart.js";

import { apiCall, type Language } from "./api_call.js";
import { boundsText, isHedged, qualifierName, rankText, statusName, unitLabel, valueText } from "./format.js";
import {
  IndicatorService,
  SourceMode,
  type RankedRegion,
  type RankRegionsResponse,
} from "./gen/indicators/v1/indicator_service_pb.js";
import {
  ObservationStatus,
  RegionType,
  type Indicator,
  type Observation,
  type Region,
  type Source,
} from "./gen/indicators/v1/resources_pb.js";
import { downloadQuery, stateFromUrl, urlOf, type ExplorerState } from "./state.js";

Chart.register(LineController, BarController, LineElement, PointElement, BarElement, LinearScale, CategoryScale, Tooltip, Legend);

const COLORS = ["#1f5fa8", "#b5400f", "#2a7d2e", "#7a3f9d", "#8a6d00", "#0b7a82", "#a3185a", "#555555"];
const POINT_STYLES: Record<number, "circle" | "triangle" | "rectRot"> = {
  [ObservationStatus.FINAL]: "circle",
  [ObservationStatus.PRELIMINARY]: "triangle",
  [ObservationStatus.ESTIMATE]: "rectRot",
};

const client: Client<typeof IndicatorService> = createClient(
  IndicatorService,
  createConnectTransport({ baseUrl: location.origin }),
);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

// The catalog, loaded once.
const indicators = new Map<string, Indicator>();
const regions = new Map<string, Region>();
const sources = new Map<string, Source>();
let state: ExplorerState = stateFromUrl(new URL(location.href));
let seriesChart: Chart<"line", { x: string; y: number }[], string> | undefined;
let rankingChart: Chart<"bar", number[], string> | undefined;
let renders = 0;
let latestRender = 0;

async function loadCatalog() {
  for (let token = "", first = true; first || token; first = false) {
    const page = await client.listIndicators({ pageSize: 1000, pageToken: token, includeDerived: true });
    page.indicators.forEach((i) => indicators.set(i.id, i));
    token = page.nextPageToken;
  }
  for (let token = "", first = true; first || token; first = false) {
    const page = await client.listRegions({ pageSize: 1000, pageToken: token });
    page.regions.forEach((r) => regions.set(r.code, r));
    token = page.nextPageToken;
  }
  for (let token = "", first = true; first || token; first = false) {
    const page = await client.listSources({ pageSize: 1000, pageToken: token });
    page.sources.forEach((s) => sources.set(s.id, s));
    token = page.nextPageToken;
  }
  const info = await client.getDatasetInfo({});
  const dataset = info.dataset!;
  const loaded = dataset.loadTime ? new Date(Number(dataset.loadTime.seconds) * 1000) : undefined;
  $("freshness").textContent =
    `Dataset ${dataset.version.slice(0, 12)} · revision ${dataset.revision} · ` +
    `${dataset.observationCount} observations · loaded ${loaded ? loaded.toISOString().replace("T", " ").slice(0, 16) + " UTC" : "(unknown)"}` +
    (info.source ? ` from ${info.source}` : "");
  $("freshness").dataset.version = dataset.version;
}

function fillControls() {
  const indicator = $<HTMLSelectElement>("indicator");
  indicator.replaceChildren(
    ...[...indicators.values()].map((i) => new Option(`${i.name} (${unitLabel(i.unit, i.unitMultiplier)})`, i.id)),
  );
  const list = $<HTMLSelectElement>("regions");
  list.replaceChildren(...[...regions.values()].map((r) => new Option(`${r.name} (${r.code})`, r.code)));
}

function showState() {
  $<HTMLSelectElement>("indicator").value = state.indicator;
  for (const option of $<HTMLSelectElement>("regions").options) {
    option.selected = state.regions.includes(option.value);
  }
  $<HTMLInputElement>("from").value = state.from;
  $<HTMLInputElement>("to").value = state.to;
  $<HTMLInputElement>("year").value = state.year;
  $<HTMLInputElement>("preferred").checked = state.preferred;
}

function readState(): ExplorerState {
  return {
    indicator: $<HTMLSelectElement>("indicator").value,
    regions: [...$<HTMLSelectElement>("regions").selectedOptions].map((o) => o.value),
    from: $<HTMLInputElement>("from").value,
    to: $<HTMLInputElement>("to").value,
    year: $<HTMLInputElement>("year").value,
    preferred: $<HTMLInputElement>("preferred").checked,
  };
}

async function queryAll(filter: Parameters<typeof client.queryObservations>[0]["filter"]) {
  const rows: Observation[] = [];
  const warnings = new Set<string>();
  for (let token = "", first = true; first || token; first = false) {
    const page = await client.queryObservations({ filter, pageSize: 1000, pageToken: token });
    rows.push(...page.observations);
    page.warnings.forEach((w) => warnings.add(w.message));
    token = page.nextPageToken;
  }
  return { rows, warnings: [...warnings] };
}

function sourceText(ids: string[]): string {
  return ids
    .map((id) => {
      const s = sources.get(id);
      return s ? `${id}: ${s.publisher}, “${s.title}”${s.published ? ` (${s.published})` : ""}` : id;
    })
    .join("; ");
}

// The HTML tooltip of a point: value as stated, unit, qualifier, status,
// sources (read by screen readers through its live region).
function externalTooltip(rows: Observation[][]) {
  return (context: { chart: Chart; tooltip: TooltipModel<"line"> }) => {
    const box = $("tooltip");
    const tip = context.tooltip;
    if (tip.opacity === 0 || tip.dataPoints.length === 0) {
      box.hidden = true;
      return;
    }
    const point = tip.dataPoints[0];
    const o = rows[point.datasetIndex][point.dataIndex];
    const region = regions.get(o.regionCode)?.name ?? o.regionCode;
    const lines = [
      `${region} ${o.period}`,
      `${valueText(o)} ${unitLabel(o.unit, o.unitMultiplier)}`,
      `Qualifier: ${qualifierName(o.qualifier)} · status: ${statusName(o.status)}`,
      `Source: ${sourceText(o.sourceIds)}`,
    ];
    if (o.note) lines.push(`Note: ${o.note}`);
    box.replaceChildren(...lines.map((line) => Object.assign(document.createElement("p"), { textContent: line })));
    const canvas = context.chart.canvas;
    box.hidden = false;
    // Beside the point, on the side with room.
    const left = tip.caretX > canvas.clientWidth / 2 ? tip.caretX - box.offsetWidth - 12 : tip.caretX + 12;
    box.style.left = `${canvas.offsetLeft + Math.max(0, left)}px`;
    box.style.top = `${canvas.offsetTop + tip.caretY + 12}px`;
  };
}

function drawSeries(rows: Observation[], indicator: Indicator | undefined) {
  const periods = [...new Set(rows.map((o) => o.period))].sort();
  const byRegion = new Map<string, Observation[]>();
  for (const o of rows) byRegion.set(o.regionCode, [...(byRegion.get(o.regionCode) ?? []), o]);
  const groups = [...byRegion.values()];
  const unit = rows[0] ? unitLabel(rows[0].unit, rows[0].unitMultiplier) : indicator ? unitLabel(indicator.unit, indicator.unitMultiplier) : "";
  seriesChart?.destroy();
  seriesChart = new Chart($<HTMLCanvasElement>("series-chart"), {
    type: "line",
    data: {
      labels: periods,
      datasets: groups.map((group, i) => {
        const color = COLORS[i % COLORS.length];
        return {
          label: regions.get(group[0].regionCode)?.name ?? group[0].regionCode,
          data: group.map((o) => ({ x: o.period, y: o.value })),
          borderColor: color,
          backgroundColor: color,
          pointStyle: group.map((o) => POINT_STYLES[o.status] ?? "circle"),
          pointBackgroundColor: group.map((o) => (isHedged(o) ? "#ffffff" : color)),
          pointBorderColor: color,
          pointBorderWidth: 2,
          pointRadius: 5,
          pointHoverRadius: 7,
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      parsing: { xAxisKey: "x", yAxisKey: "y" },
      interaction: { mode: "nearest", intersect: true },
      scales: {
        x: { type: "category", title: { display: true, text: "Period" } },
        y: { title: { display: true, text: unit } },
      },
      plugins: { tooltip: { enabled: false, external: externalTooltip(groups) as never } },
    },
  });
  $("series-chart").setAttribute(
    "aria-label",
    `${indicator?.name ?? state.indicator} in ${unit}, ${periods[0] ?? ""} to ${periods.at(-1) ?? ""}, for ${groups.length} region(s)`,
  );
}

// The provinces as the service ranks them: each labelled with the rank range
// its figure's bounds allow ("3–4" where two figures' bounds overlap).
function drawRanking(ranking: RankRegionsResponse, indicator: Indicator | undefined) {
  const ranked: RankedRegion[] = ranking.regions.filter((r) => r.observation);
  const label = (r: RankedRegion) => `${regions.get(r.regionCode)?.name ?? r.regionCode} (${rankText(r.bestRank, r.worstRank)})`;
  const first = ranked[0]?.observation;
  rankingChart?.destroy();
  rankingChart = new Chart($<HTMLCanvasElement>("ranking-chart"), {
    type: "bar",
    data: {
      labels: ranked.map(label),
      datasets: [
        {
          label: `${indicator?.name ?? state.indicator}, ${ranking.period || state.year}`,
          data: ranked.map((r) => r.observation!.value),
          backgroundColor: ranked.map((r) => (isHedged(r.observation!) ? "#9bb7dc" : "#1f5fa8")),
        },
      ],
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { title: { display: true, text: first ? unitLabel(first.unit, first.unitMultiplier) : "" } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (item) => {
              const r = ranked[item.dataIndex];
              const o = r.observation!;
              return [
                `${valueText(o)} ${unitLabel(o.unit, o.unitMultiplier)} (${statusName(o.status)}; ${o.sourceIds.join(", ")})`,
                `Bounds ${o.bounds ? boundsText(o.bounds) : "unknown"}: rank ${rankText(r.bestRank, r.worstRank)}`,
              ];
            },
          },
        },
      },
    },
  });
  const uncertain = ranked.filter((r) => r.bestRank !== r.worstRank).length;
  $("ranking-chart").setAttribute(
    "aria-label",
    `${ranked.length} regions ranked by ${indicator?.name ?? state.indicator} in ${ranking.period || state.year}` +
      (uncertain ? `; ${uncertain} of them share a rank range their bounds cannot order` : ""),
  );
  $("ranking-note").textContent = uncertain
    ? `${ranking.undetermined.length} pair(s) of regions cannot be ordered within their sources' bounds; their ranks are ranges.`
    : "Every place is certain within the sources' bounds.";
}

function fillTable(rows: Observation[]) {
  const body = $("table").querySelector("tbody")!;
  body.replaceChildren(
    ...rows.map((o) => {
      const tr = document.createElement("tr");
      const cells = [
        regions.get(o.regionCode)?.name ?? o.regionCode,
        o.period,
        valueText(o),
        unitLabel(o.unit, o.unitMultiplier),
        statusName(o.status),
        sourceText(o.sourceIds),
      ];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 2) td.className = isHedged(o) ? "num hedged" : "num";
        tr.append(td);
      });
      tr.dataset.region = o.regionCode;
      tr.dataset.period = o.period;
      tr.dataset.value = String(o.value);
      return tr;
    }),
  );
}

function showLinks() {
  const query = downloadQuery(state);
  $<HTMLAnchorElement>("download-csv").href = `/v1/observations.csv?${query}`;
  $<HTMLAnchorElement>("download-sdmx").href = `/v1/observations.sdmx.csv?${query}`;
  $<HTMLAnchorElement>("download-json").href = `/v1/observations.json?${query}`;
  const permalink = urlOf(state, new URL(location.href));
  $<HTMLAnchorElement>("permalink").href = permalink.toString();
  history.replaceState(null, "", permalink);
  $("api-call").textContent = apiCall($<HTMLSelectElement>("api-language").value as Language, state, location.origin);
}

function showError(err: unknown) {
  $("warnings").textContent = `The service refused: ${err instanceof Error ? err.message : String(err)}`;
}

async function render() {
  const number = ++latestRender;
  state = readState();
  showLinks();
  const indicator = indicators.get(state.indicator);
  const mode = state.preferred ? SourceMode.PREFERRED : SourceMode.UNSPECIFIED;
  try {
    const series = state.regions.length
      ? await queryAll({
          indicatorIds: [state.indicator],
          regionCodes: state.regions,
          startPeriod: state.from,
          endPeriod: state.to,
          sourceMode: mode,
        })
      : { rows: [], warnings: [] };
    const ranking = await client.rankRegions({ indicatorId: state.indicator, parentRegionCode: "CN", period: state.year });
    if (number !== latestRender) return; // A later change draws its own.
    drawSeries(series.rows, indicator);
    drawRanking(ranking, indicator);
    fillTable(series.rows);
    $("warnings").textContent = series.warnings.join(" ");
  } catch (err) {
    if (number !== latestRender) return;
    showError(err);
  }
  document.body.dataset.renders = String(++renders);
  document.body.dataset.shown = location.search;
}

let searchTimer: ReturnType<typeof setTimeout> | undefined;
let searchNumber = 0;
async function search(text: string) {
  const number = ++searchNumber;
  const results = $("search-results");
  if (!text.trim()) {
    results.replaceChildren();
    return;
  }
  const answer = await client.searchCatalog({ query: text, maxResults: 8, includeDerived: true });
  if (number !== searchNumber) return; // A later keystroke has its own.
  results.replaceChildren(
    ...answer.results.map((r) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      if (r.item.case === "indicator") {
        const i = r.item.value;
        button.textContent = `Indicator: ${i.name} (${i.id})`;
        button.onclick = () => {
          $<HTMLSelectElement>("indicator").value = i.id;
          void render();
        };
      } else if (r.item.case === "region") {
        const g = r.item.value;
        button.textContent = `Region: ${g.name} (${g.code})`;
        button.onclick = () => {
          for (const option of $<HTMLSelectElement>("regions").options) {
            if (option.value === g.code) option.selected = true;
          }
          void render();
        };
      } else if (r.item.case === "source") {
        const s = r.item.value;
        button.textContent = `Source: ${s.publisher}, ${s.title} (${s.id})`;
        button.onclick = () => {
          if (s.url) window.open(s.url, "_blank", "noopener");
        };
      }
      li.append(button);
      return li;
    }),
  );
  results.dataset.query = text;
}

async function main() {
  await loadCatalog();
  fillControls();
  showState();
  for (const id of ["indicator", "regions", "from", "to", "year", "preferred"]) {
    $(id).addEventListener("change", () => void render());
  }
  $("api-language").addEventListener("change", () => showLinks());
  $("copy-api").addEventListener("click", () => void navigator.clipboard?.writeText($("api-call").textContent ?? ""));
  $("search").addEventListener("input", (event) => {
    clearTimeout(searchTimer);
    const text = (event.target as HTMLInputElement).value;
    searchTimer = setTimeout(() => void search(text).catch(showError), 150);
  });
  await render();
}

// For tests and the curious: the charts drawn.
Object.assign(window, { explorer: { charts: () => ({ series: seriesChart, ranking: rankingChart }) } });
void main().catch(showError);
