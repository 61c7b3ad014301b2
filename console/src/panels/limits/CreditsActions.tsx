// Setting a holder's credit balance or adding to it (owners, admins): the API answers with
// the balance now, which the caller shows (and reloads the holder with).
import { useId, useState } from "preact/hooks";
import { useT } from "../../i18n";
import { ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { limitsText } from "./messages";
import type { CreditsOp } from "./model";

export function CreditsActions(props: { change: (op: CreditsOp, value: number) => Promise<{ remaining: number }>; onChanged: () => void }) {
  const t = useT(limitsText);
  const [value, setValue] = useState("");
  const [now, setNow] = useState<number | null>(null);
  const headingId = useId();
  const run = useAction(async (op: CreditsOp) => {
    const answer = await props.change(op, Number(value));
    setNow(answer.remaining);
    props.onChanged();
  });
  const submit = (op: CreditsOp) => {
    if (value.trim() !== "" && Number(value) >= 0) void run.run(op);
  };
  return (
    <form
      class="card"
      aria-labelledby={headingId}
      onSubmit={(event) => {
        event.preventDefault();
        submit("set");
      }}
    >
      <h3 id={headingId}>{t("changeCredits")}</h3>
      <div class="limits-change">
        <label>
          {t("creditsValue")}
          <input type="number" min={0} required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={run.busy}>
          {t("setCredits")}
        </button>
        <button type="button" disabled={run.busy} onClick={() => submit("increment")}>
          {t("addCredits")}
        </button>
      </div>
      <p aria-live="polite" class="muted small">
        {now !== null && t("creditsNow", { count: now })}
      </p>
      <ProblemBanner problem={run.problem} />
    </form>
  );
}
