// The numbers behind the chart: totals, counts per outcome code, and each period's counts.
import type { Schemas } from "../../api/client";
import { formatNumber, lang, useT } from "../../i18n";
import { codeTotals, periodFormat, type Usage } from "./format";
import { usageText } from "./messages";

export function Totals({ usage }: { usage: Usage }) {
  const t = useT(usageText);
  const { valid, invalid } = usage.totals;
  const total = valid + invalid;
  const share = total === 0 ? "—" : new Intl.NumberFormat(lang.value, { style: "percent", maximumFractionDigits: 1 }).format(valid / total);
  return (
    <dl class="tiles usage-totals" data-testid="usage-totals">
      <Tile label={t("valid")} value={formatNumber(valid)} testId="total-valid" />
      <Tile label={t("invalid")} value={formatNumber(invalid)} testId="total-invalid" />
      <Tile label={t("total")} value={formatNumber(total)} testId="total-all" />
      <Tile label={t("validShare")} value={share} testId="valid-share" />
    </dl>
  );
}

function Tile(props: { label: string; value: string; testId: string }) {
  return (
    <div class="tile">
      <dt class="muted">{props.label}</dt>
      <dd data-testid={props.testId}>{props.value}</dd>
    </div>
  );
}

export function CodeTable({ usage }: { usage: Usage }) {
  const t = useT(usageText);
  const rows = codeTotals(usage);
  return (
    <>
      <h3 id="usage-by-code">{t("byCode")}</h3>
      {rows.length === 0 ? (
        <p class="muted">{t("noCodes")}</p>
      ) : (
        <table aria-labelledby="usage-by-code" class="usage-codes">
          <thead>
            <tr>
              <th scope="col">{t("code")}</th>
              <th scope="col" class="num">
                {t("count")}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([code, n]) => (
              <tr key={code}>
                <th scope="row">
                  <CodeName code={code} /> <code class="muted small">{code}</code>
                </th>
                <td class="num">{formatNumber(n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

type VerifyCode = Schemas["VerifyResult"]["code"];
// Every code the contract names has a label: a new code without one fails tsc here.
type Labelled = `code.${VerifyCode}` extends keyof typeof usageText.en ? true : never;
const labelled: Labelled = true;

/** An outcome code as a person reads it ("Rate limited"); a code the console does not know yet, as it is. */
function CodeName({ code }: { code: string }) {
  const t = useT(usageText);
  const key = `code.${code}`;
  return <>{labelled && key in usageText.en ? t(key as `code.${VerifyCode}`) : code}</>;
}

/** The chart as a table: each period with verifications, valid, invalid and per code. */
export function PeriodTable({ usage, id }: { usage: Usage; id: string }) {
  const t = useT(usageText);
  const format = periodFormat(usage.granularity, lang.value);
  const codes = codeTotals(usage).map(([code]) => code);
  const rows = usage.series.filter((p) => p.valid + p.invalid > 0);
  if (rows.length === 0) return null;
  return (
    <>
      <h3 id={id}>{t("perPeriod")}</h3>
      <p class="muted">{t("perPeriodNote")}</p>
      <div class="table-scroll">
        <table aria-labelledby={id} class="usage-periods">
          <thead>
            <tr>
              <th scope="col">{t("period")}</th>
              <th scope="col" class="num">
                {t("valid")}
              </th>
              <th scope="col" class="num">
                {t("invalid")}
              </th>
              {codes.map((code) => (
                <th key={code} scope="col" class="num" title={code}>
                  <CodeName code={code} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((point) => (
              <tr key={point.period_start}>
                <th scope="row">
                  <time dateTime={point.period_start}>{format.format(new Date(point.period_start))}</time>
                </th>
                <td class="num">{formatNumber(point.valid)}</td>
                <td class="num">{formatNumber(point.invalid)}</td>
                {codes.map((code) => (
                  <td key={code} class="num">
                    {formatNumber(point.by_code[code] ?? 0)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
