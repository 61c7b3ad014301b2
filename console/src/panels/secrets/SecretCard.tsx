// One app secret: its hint and times; "Show" reveals it on the card until the person leaves,
// "Create new" replaces it. Both ask first, and go through step-up.
import { useState } from "preact/hooks";
import { useT } from "../../i18n";
import { SecretValue, Time } from "../../ui/components";
import { secretsText } from "./messages";
import type { SecretInfo, SecretName } from "./names";
import { RevealDialog } from "./RevealDialog";
import { RotateDialog } from "./RotateDialog";

export function SecretCard(props: { pid: string; name: SecretName; info: SecretInfo; onRotated: () => void }) {
  const t = useT(secretsText);
  const { name, info } = props;
  const [revealed, setRevealed] = useState<string | null>(null);
  const [dialog, setDialog] = useState<"reveal" | "rotate" | null>(null);
  const headingId = `secret-${name}`;
  return (
    <section class="card secret-card" aria-labelledby={headingId}>
      <h3 id={headingId}>{t(`name.${name}`)}</h3>
      <p>{t(`about.${name}`)}</p>
      {name === "service_key" && (
        <p class="warning" role="note">
          {t("serviceWarning")}
        </p>
      )}
      {revealed === null ? (
        <div class="secret secret-hint">
          <span class="secret-label">{t("current")}</span>
          <code data-testid={`${name}-hint`}>••••{info.hint}</code>
        </div>
      ) : (
        <SecretValue label={t("current")} value={revealed} testId={`${name}-value`} />
      )}
      <dl class="secret-times">
        <dt>{t("created")}</dt>
        <dd>
          <Time value={info.created_at} />
        </dd>
        <dt>{t("rotated")}</dt>
        <dd>{info.rotated_at ? <Time value={info.rotated_at} /> : <span class="muted">{t("never")}</span>}</dd>
      </dl>
      <div class="row-actions">
        {revealed === null ? (
          <button type="button" aria-describedby={headingId} onClick={() => setDialog("reveal")}>
            {t("show")}
          </button>
        ) : (
          <button type="button" aria-describedby={headingId} onClick={() => setRevealed(null)}>
            {t("hide")}
          </button>
        )}
        <button type="button" aria-describedby={headingId} onClick={() => setDialog("rotate")}>
          {t("createNew")}
        </button>
      </div>
      {dialog === "reveal" && (
        <RevealDialog
          pid={props.pid}
          name={name}
          onClose={() => setDialog(null)}
          onRevealed={(value) => {
            setRevealed(value);
            setDialog(null);
          }}
        />
      )}
      {dialog === "rotate" && (
        <RotateDialog
          pid={props.pid}
          name={name}
          onClose={(rotated) => {
            setDialog(null);
            if (!rotated) return;
            setRevealed(null);
            props.onRotated();
          }}
        />
      )}
    </section>
  );
}
