// Figures as an assistant may quote them: every value with its qualifier
// ("over 75,000", never "75000"), its power of ten and unit spelled out, its
// status and its sources. One function per thing shown, used by the text and
// the structured content alike, so that the two never disagree.

import {
  ObservationStatus,
  Qualifier,
  SourceReliability,
  type Indicator,
  type Observation,
  type Source,
} from "indicators-client";

/** 75000 -> "75,000"; 480.26 -> "480.26"; -1234.5 -> "-1,234.5". */
export function formatNumber(value: number): string {
  const text = String(value);
  if (!/^-?\d+(\.\d+)?$/.test(text)) return text; // 1e-7, 1e+21, NaN.
  const [whole, fraction] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** "over", "about", "under", "nearly"; "" for an exact figure. */
export function qualifierWord(q: Qualifier): string {
  switch (q) {
    case Qualifier.ABOUT:
      return "about";
    case Qualifier.OVER:
      return "over";
    case Qualifier.UNDER:
      return "under";
    case Qualifier.NEARLY:
      return "nearly";
    default:
      return "";
  }
}

/** "exact", "about", "over", "under", "nearly". */
export function qualifierName(q: Qualifier): string {
  return q === Qualifier.EXACT ? "exact" : qualifierWord(q) || "unspecified";
}

export function statusName(s: ObservationStatus): string {
  return (ObservationStatus[s] ?? "UNSPECIFIED").toLowerCase();
}

export function reliabilityName(r: SourceReliability): string {
  return (SourceReliability[r] ?? "UNSPECIFIED").toLowerCase();
}

const SCALE_WORDS: Record<number, string> = { 3: "thousand", 6: "million", 9: "billion", 12: "trillion" };

/** 9 -> "billion"; 8 -> "× 10^8"; 0 -> "". */
export function scaleWords(unitMultiplier: number): string {
  if (unitMultiplier === 0) return "";
  return SCALE_WORDS[unitMultiplier] ?? `× 10^${unitMultiplier}`;
}

/** "CNY_per_USD" -> "CNY per USD"; "person_years" -> "person years". */
export function unitWords(unit: string): string {
  return unit.replace(/_per_/g, " per ").replace(/_/g, " ");
}

/** Significant digits a computed value is shown with (`value` keeps all). */
export const COMPUTED_DIGITS = 6;

/**
 * A value as its source stated it, with the scale and unit spelled out:
 * "over 75,000 enterprises", "about 460 billion CNY", "4,802.6 × 10^8 CNY".
 * A value the service computed (a conversion, a ratio, a sum) is shown to
 * COMPUTED_DIGITS significant digits: its last binary digits are not news.
 */
export function valueAsStated(value: number, qualifier: Qualifier, unit: string, unitMultiplier: number, computed = false): string {
  const shown = computed && Number.isFinite(value) ? Number(value.toPrecision(COMPUTED_DIGITS)) : value;
  return [qualifierWord(qualifier), formatNumber(shown), scaleWords(unitMultiplier), unitWords(unit)]
    .filter((part) => part !== "")
    .join(" ");
}

/** What the names of ids are looked up in. */
export interface Names {
  indicator(id: string): Indicator | undefined;
  regionName(code: string): string;
  source(id: string): Source | undefined;
}

/** A source as quoted: publisher, title, date and address. */
export function sourceRecord(id: string, names: Names) {
  return recordOfSource(id, names.source(id));
}

/** The same from the source itself (undefined: not in the catalog). */
export function recordOfSource(id: string, s: Source | undefined) {
  return {
    id,
    publisher: s?.publisher ?? "",
    title: s?.title ?? "",
    published: s?.published ?? "",
    url: s?.url ?? "",
    reliability: s ? reliabilityName(s.reliability) : "unknown",
  };
}
export type SourceRecord = ReturnType<typeof recordOfSource>;

/** "S13 — National Bureau of Statistics, 2023 communiqué (2024-10-02) <url>". */
export function sourceLine(s: SourceRecord): string {
  const parts = [s.publisher, s.title].filter((p) => p !== "").join(", ");
  const date = s.published ? ` (${s.published})` : "";
  const url = s.url ? ` <${s.url}>` : "";
  return `${s.id} — ${parts || "no description"}${date}${url} [${s.reliability}]`;
}

/** One observation as structured content: every field a figure needs. */
export function observationRecord(o: Observation, names: Names): ObservationRecord {
  const record: ObservationRecord = {
    indicatorId: o.indicatorId,
    indicatorName: names.indicator(o.indicatorId)?.name ?? "",
    regionCode: o.regionCode,
    regionName: names.regionName(o.regionCode),
    period: o.period,
    value: o.value,
    qualifier: qualifierName(o.qualifier),
    unit: o.unit,
    unitMultiplier: o.unitMultiplier,
    asStated: valueAsStated(o.value, o.qualifier, o.unit, o.unitMultiplier, o.derived || o.conversion !== undefined),
    status: statusName(o.status),
    reliability: reliabilityName(o.reliability),
    derived: o.derived,
    note: o.note,
    sources: o.sourceIds.map((id) => sourceRecord(id, names)),
  };
  if (o.conversion) {
    const c = o.conversion;
    record.conversion = {
      originalValue: c.originalValue,
      originalUnit: c.originalUnit,
      originalUnitMultiplier: c.originalUnitMultiplier,
      originalAsStated: valueAsStated(c.originalValue, o.qualifier, c.originalUnit, c.originalUnitMultiplier, o.derived),
      rate: c.rate
        ? {
            asStated: valueAsStated(c.rate.value, c.rate.qualifier, c.rate.unit, c.rate.unitMultiplier),
            period: c.rate.period,
            sourceIds: c.rate.sourceIds,
          }
        : undefined,
    };
  }
  if (o.derivation) {
    record.derivation = {
      formula: o.derivation.formula,
      inputs: o.derivation.inputs.map((input) => ({
        role: input.role,
        indicatorId: input.observation?.indicatorId ?? "",
        regionCode: input.observation?.regionCode ?? "",
        period: input.observation?.period ?? "",
        asStated: input.observation
          ? valueAsStated(
              input.observation.value,
              input.observation.qualifier,
              input.observation.unit,
              input.observation.unitMultiplier,
            )
          : "",
        status: input.observation ? statusName(input.observation.status) : "",
        sourceIds: input.observation?.sourceIds ?? [],
      })),
    };
  }
  return record;
}

export interface ObservationRecord {
  indicatorId: string;
  indicatorName: string;
  regionCode: string;
  regionName: string;
  period: string;
  value: number;
  qualifier: string;
  unit: string;
  unitMultiplier: number;
  asStated: string;
  status: string;
  reliability: string;
  derived: boolean;
  note: string;
  sources: SourceRecord[];
  conversion?: {
    originalValue: number;
    originalUnit: string;
    originalUnitMultiplier: number;
    originalAsStated: string;
    rate?: { asStated: string; period: string; sourceIds: string[] };
  };
  derivation?: {
    formula: string;
    inputs: {
      role: string;
      indicatorId: string;
      regionCode: string;
      period: string;
      asStated: string;
      status: string;
      sourceIds: string[];
    }[];
  };
}

/**
 * One observation as a line of text: "Guangdong (CN-GD), High-tech
 * enterprises, 2023: over 75,000 enterprises (preliminary; S1, S2, S11)".
 */
export function observationLine(r: ObservationRecord): string {
  const region = r.regionName ? `${r.regionName} (${r.regionCode})` : r.regionCode;
  const what = r.indicatorName || r.indicatorId;
  const flags = [r.status, r.derived ? "computed by the service" : ""].filter((f) => f !== "");
  const converted = r.conversion ? `; converted from ${r.conversion.originalAsStated}` : "";
  const formula = r.derivation ? `; ${r.derivation.formula}` : "";
  const sources = r.sources.map((s) => s.id).join(", ");
  return `${region}, ${what}, ${r.period}: ${r.asStated} (${flags.join(", ")}${converted}${formula}; sources ${sources})`;
}

/** Each source the records cite, once, in the order first cited. */
export function citedSources(records: { sources: SourceRecord[] }[]): SourceRecord[] {
  const seen = new Map<string, SourceRecord>();
  for (const r of records) for (const s of r.sources) if (!seen.has(s.id)) seen.set(s.id, s);
  return [...seen.values()];
}
