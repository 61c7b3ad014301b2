import type { Schemas } from "../../api/client";
import type { Lang } from "../../i18n";

export type Usage = Schemas["Usage"];

export type Granularity = Usage["granularity"];

const PERIOD_FORMAT: Record<Granularity, Intl.DateTimeFormatOptions> = {
  hour: { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" },
  day: { year: "numeric", month: "short", day: "numeric" },
  month: { year: "numeric", month: "long" },
};

const TICK_FORMAT: Record<Granularity, Intl.DateTimeFormatOptions> = {
  hour: { hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
  day: { month: "short", day: "numeric" },
  month: { month: "short", year: "numeric" },
};

/** The short form of a period under the chart's axis. */
export function tickFormat(granularity: Granularity, lang: Lang): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(lang, { ...TICK_FORMAT[granularity], timeZone: "UTC" });
}

/** Periods are UTC (as the service counts them), shown in the person's language. */
export function periodFormat(granularity: Granularity, lang: Lang): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(lang, { ...PERIOD_FORMAT[granularity], timeZone: "UTC" });
}

/** Totals per outcome code over every period, the largest first. */
export function codeTotals(usage: Usage): [string, number][] {
  const totals = new Map<string, number>();
  for (const point of usage.series) {
    for (const [code, n] of Object.entries(point.by_code)) totals.set(code, (totals.get(code) ?? 0) + n);
  }
  return [...totals].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** `2026-11-24` (a date input's value) as the start of that UTC day; `nextDay` gives the day after. */
export function utcDay(value: string, nextDay = false): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const moment = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(moment.getTime())) return undefined;
  if (nextDay) moment.setUTCDate(moment.getUTCDate() + 1);
  return moment.toISOString().replace(".000Z", "Z");
}
