// Rate limits and credits as a person edits them (text fields, a duration in a unit they
// choose) and as the API takes them (RateLimitSpec, CreditsSpec). Shared by keys and identities.
import type { Schemas } from "../../api/client";

export type RateLimit = Schemas["RateLimitSpec"];
export type CreditsSpec = Schemas["CreditsSpec"];
export type CreditsView = Schemas["CreditsView"];
export type CreditsOp = Schemas["CreditsChange"]["op"];

export const UNITS = ["seconds", "minutes", "hours", "days"] as const;
export type Unit = (typeof UNITS)[number];
export const UNIT_SECONDS: Record<Unit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/** One rate limit's fields as typed: "100 requests per 1 minute". */
export interface RateLimitRow {
  name: string;
  limit: string;
  per: string;
  unit: Unit;
  /** Kept from the limit being edited; new limits apply to every verification. */
  autoApply: boolean;
}

export interface CreditsForm {
  enabled: boolean;
  remaining: string;
  refill: "none" | "day" | "month";
  amount: string;
  dayOfMonth: string;
  notifyBelow: string;
}

export const NEW_RATE_LIMIT: RateLimitRow = { name: "requests", limit: "100", per: "1", unit: "minutes", autoApply: true };
export const NO_CREDITS: CreditsForm = { enabled: false, remaining: "1000", refill: "none", amount: "", dayOfMonth: "1", notifyBelow: "" };

/** The largest unit that divides `seconds` evenly: 3600 is "1 hour", 90 is "90 seconds". */
export function bestUnit(seconds: number): { per: number; unit: Unit } {
  for (const unit of [...UNITS].reverse()) {
    if (seconds % UNIT_SECONDS[unit] === 0) return { per: seconds / UNIT_SECONDS[unit], unit };
  }
  return { per: seconds, unit: "seconds" };
}

export function toRateLimits(rows: RateLimitRow[]): RateLimit[] {
  return rows.map((row) => ({
    name: row.name.trim(),
    limit: Number(row.limit),
    duration_seconds: Number(row.per) * UNIT_SECONDS[row.unit],
    auto_apply: row.autoApply,
  }));
}

export function rateLimitRows(limits: readonly RateLimit[]): RateLimitRow[] {
  return limits.map((limit) => {
    const { per, unit } = bestUnit(limit.duration_seconds);
    return { name: limit.name, limit: String(limit.limit), per: String(per), unit, autoApply: limit.auto_apply };
  });
}

const optionalNumber = (text: string): number | null => (text.trim() === "" ? null : Number(text));

/** The credits to send: null is unlimited. */
export function toCredits(form: CreditsForm): CreditsSpec | null {
  if (!form.enabled) return null;
  return {
    remaining: Number(form.remaining),
    refill:
      form.refill === "none"
        ? null
        : {
            amount: Number(form.amount),
            interval: form.refill,
            day_of_month: form.refill === "month" ? optionalNumber(form.dayOfMonth) : null,
          },
    notify_below: optionalNumber(form.notifyBelow),
  };
}

export function creditsForm(credits: CreditsView | null): CreditsForm {
  if (!credits) return NO_CREDITS;
  return {
    enabled: true,
    remaining: String(credits.remaining),
    refill: credits.refill?.interval ?? "none",
    amount: credits.refill ? String(credits.refill.amount) : "",
    dayOfMonth: String(credits.refill?.day_of_month ?? 1),
    notifyBelow: credits.notify_below === null ? "" : String(credits.notify_below),
  };
}
