// A holder's limits, read-only: each rate limit as "100 per 1 minute", and the credits
// left with their refill and low-balance notice ("Unlimited" without credits).
import { formatNumber, useT } from "../../i18n";
import { limitsText } from "./messages";
import { bestUnit, type CreditsView, type RateLimit } from "./model";

export function RateLimitsView({ limits }: { limits: readonly RateLimit[] }) {
  const t = useT(limitsText);
  if (limits.length === 0) return <span class="muted">{t("noRateLimits")}</span>;
  return (
    <ul class="limits-list" data-testid="rate-limits">
      {limits.map((limit) => {
        const { per, unit } = bestUnit(limit.duration_seconds);
        const window = t(`every.${unit}`, { count: per });
        return (
          <li key={limit.name}>
            <code>{limit.name}</code>: {t("rateLimitShown", { limit: formatNumber(limit.limit), window })}
            {!limit.auto_apply && <span class="muted"> ({t("manual")})</span>}
          </li>
        );
      })}
    </ul>
  );
}

export function CreditsText({ credits }: { credits: CreditsView | null }) {
  const t = useT(limitsText);
  if (!credits) return <span class="muted">{t("unlimited")}</span>;
  const { refill } = credits;
  return (
    <span>
      <span class="limits-remaining" data-testid="credits-remaining">
        {formatNumber(credits.remaining)}
      </span>{" "}
      {t("remaining")}
      {refill && (
        <span class="muted">
          {" · "}
          {refill.interval === "day"
            ? t("refillShown", { amount: formatNumber(refill.amount) })
            : t("refillMonthShown", { amount: formatNumber(refill.amount), day: refill.day_of_month ?? 1 })}
        </span>
      )}
      {credits.notify_below !== null && <span class="muted"> · {t("notifyShown", { count: formatNumber(credits.notify_below) })}</span>}
    </span>
  );
}

/** A table cell's credits: what remains, or ∞ (read as "Unlimited") without credits. */
export function RemainingCell({ credits }: { credits: CreditsView | null }) {
  const t = useT(limitsText);
  if (credits) return <>{formatNumber(credits.remaining)}</>;
  return (
    <>
      <span aria-hidden="true">∞</span>
      <span class="sr-only">{t("unlimited")}</span>
    </>
  );
}
