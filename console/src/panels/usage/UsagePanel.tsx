// Usage of a project or one key: valid and invalid verifications per hour, day or month,
// as a chart and as tables, with the outcome codes. Every member may read it.
import { useState } from "preact/hooks";
import { allPages, api, type Key, unwrap } from "../../api/client";
import { formatNumber, lang, useT } from "../../i18n";
import { Loading, ProblemBanner } from "../../ui/components";
import { useLoad } from "../../ui/hooks";
import type { PanelProps } from "../types";
import { type Granularity, periodFormat, utcDay } from "./format";
import { usageText } from "./messages";
import { UsageChart } from "./UsageChart";
import { CodeTable, PeriodTable, Totals } from "./UsageTables";
import "./usage.css";

const GRANULARITIES: readonly Granularity[] = ["hour", "day", "month"];
const KEYS_PAGE = 100;

export default function UsagePanel({ project, can }: PanelProps) {
  const t = useT(usageText);
  const pid = project.id;
  const [granularity, setGranularity] = useState<Granularity>("day");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [keyId, setKeyId] = useState("");
  const mayListKeys = can("request_keys");
  // Owners and admins see every key; editors and developers their own; viewers none.
  // The picker offers all of them, however many pages that takes.
  const keys = useLoad(
    async (): Promise<Key[]> =>
      mayListKeys
        ? allPages((cursor) => api.GET("/v1/projects/{pid}/keys", { params: { path: { pid }, query: { limit: KEYS_PAGE, cursor } } }))
        : [],
    [pid, mayListKeys],
  );
  const usage = useLoad(
    () =>
      unwrap(
        api.GET("/v1/projects/{pid}/usage", {
          params: {
            path: { pid },
            query: { granularity, from: utcDay(from), to: utcDay(to, true), key_id: keyId || undefined },
          },
        }),
      ),
    [pid, granularity, from, to, keyId],
  );
  const data = usage.data;
  const format = periodFormat(granularity, lang.value);
  return (
    <div class="usage">
      <h2>{t("title")}</h2>
      <p class="muted">{t("intro")}</p>
      <div class="filters">
        <fieldset class="granularity">
          <legend>{t("granularity")}</legend>
          {GRANULARITIES.map((g) => (
            <label key={g} class="inline">
              <input type="radio" name="granularity" value={g} checked={granularity === g} onChange={() => setGranularity(g)} />
              {t(g)}
            </label>
          ))}
        </fieldset>
        <label>
          {t("from")}
          <input type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          {t("to")}
          <input type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </label>
        {mayListKeys && (
          <label>
            {t("key")}
            <select value={keyId} onChange={(e) => setKeyId(e.currentTarget.value)}>
              <option value="">{t("wholeProject")}</option>
              {(keys.data ?? []).map((key) => (
                <option key={key.id} value={key.id}>
                  {key.name} ({key.hint})
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <ProblemBanner problem={usage.problem ?? keys.problem} />
      {!data && !usage.problem && <Loading />}
      {data && (
        <div aria-busy={usage.loading}>
          <p class="muted" data-testid="usage-range">
            {t("range", { from: format.format(new Date(data.from)), to: format.format(new Date(Date.parse(data.to) - 1)) })}
          </p>
          <Totals usage={data} />
          <UsageChart
            usage={data}
            label={t("chartLabel", {
              period: t(`period.${data.granularity}`),
              range: t("range", { from: format.format(new Date(data.from)), to: format.format(new Date(Date.parse(data.to) - 1)) }),
              valid: formatNumber(data.totals.valid),
              invalid: formatNumber(data.totals.invalid),
            })}
          />
          <CodeTable usage={data} />
          <PeriodTable usage={data} id="usage-per-period" />
        </div>
      )}
    </div>
  );
}
