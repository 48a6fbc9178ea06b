// How figures are written on the page: a hedged figure keeps its hedge
// ("over 75,000"), a unit says its power of ten, a status its name.

import { ObservationStatus, Qualifier, type Observation, type ValueBounds } from "./gen/indicators/v1/resources_pb.js";

const HEDGES: Record<number, string> = {
  [Qualifier.ABOUT]: "about ",
  [Qualifier.OVER]: "over ",
  [Qualifier.UNDER]: "under ",
  [Qualifier.NEARLY]: "nearly ",
};

const POWERS: Record<number, string> = {
  3: "thousands",
  4: "ten thousands (万)",
  6: "millions",
  8: "hundred millions (亿)",
  9: "billions",
  12: "trillions",
};

/** "CNY, billions (× 10^9)", "persons", "percent". */
export function unitLabel(unit: string, multiplier: number): string {
  if (multiplier === 0) return unit;
  const name = POWERS[multiplier];
  return `${unit}, ${name ? `${name} ` : ""}(× 10^${multiplier})`;
}

export function isHedged(o: Observation): boolean {
  return o.qualifier !== Qualifier.EXACT && o.qualifier !== Qualifier.UNSPECIFIED;
}

/** The value as the source stated it: "over 75,000", "480.26". */
export function valueText(o: Observation): string {
  const number = o.value.toLocaleString("en", { maximumFractionDigits: 10 });
  return `${HEDGES[o.qualifier] ?? ""}${number}`;
}

export function qualifierName(q: Qualifier): string {
  return (Qualifier[q] ?? "UNSPECIFIED").toLowerCase();
}

export function statusName(s: ObservationStatus): string {
  return (ObservationStatus[s] ?? "UNSPECIFIED").toLowerCase();
}

/** "1", or "3–4" when the bounds allow either place. */
export function rankText(best: number, worst: number): string {
  return best === worst ? String(best) : `${best}–${worst}`;
}

/** "[480.255, 480.265)", "(75,000, +∞)". */
export function boundsText(b: ValueBounds): string {
  const end = (v: number) => v.toLocaleString("en", { maximumFractionDigits: 10 });
  return (
    `${b.lowerExclusive ? "(" : "["}${b.lower !== undefined ? end(b.lower) : "−∞"}, ` +
    `${b.upper !== undefined ? end(b.upper) : "+∞"}${b.upperExclusive ? ")" : "]"}`
  );
}
