// Rerolling a key (a new key; the old one keeps working for a grace period) and revoking it.
import { useState } from "preact/hooks";
import { api, type Key, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { useT } from "../../i18n";
import { ConfirmDialog, ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { IssuedSecretView } from "./IssuedSecretView";
import { keysText } from "./messages";
import { GRACE_CHOICES, type IssuedSecret, issuedSecret } from "./model";

export function KeyLifecycle(props: { pid: string; value: Key; onChanged: () => void }) {
  const t = useT(keysText);
  const key = props.value;
  const path = { pid: props.pid, key_id: key.id };
  const [grace, setGrace] = useState<number>(GRACE_CHOICES[2]);
  const [rerolled, setRerolled] = useState<{ key: Key; secret: IssuedSecret } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const scope = useIdempotencyScope();
  const reroll = useAction(async () => {
    const body = { grace_seconds: grace };
    const header = await idempotencyHeaders(scope, "reroll", body);
    const issued = await unwrap(api.POST("/v1/projects/{pid}/keys/{key_id}/reroll", { params: { path, header }, body }));
    setRerolled({ key: issued.key, secret: issuedSecret(issued) });
    props.onChanged();
  });
  const revoke = useAction(async () => {
    await unwrap(api.DELETE("/v1/projects/{pid}/keys/{key_id}", { params: { path } }));
    setConfirming(false);
    props.onChanged();
  });
  return (
    <>
      {rerolled && (
        <section class="card" aria-labelledby="key-rerolled">
          <h3 id="key-rerolled">{t("rerolledTitle")}</h3>
          <p class="muted">
            {t("id")}: <code>{rerolled.key.id}</code>
          </p>
          <IssuedSecretView secret={rerolled.secret} />
        </section>
      )}
      {key.status !== "revoked" && (
        <form
          class="card"
          onSubmit={(event) => {
            event.preventDefault();
            void reroll.run();
          }}
        >
          <h3>{t("reroll")}</h3>
          <p class="muted">{t("rerollHelp")}</p>
          <label>
            {t("grace")}
            <select value={String(grace)} onChange={(e) => setGrace(Number(e.currentTarget.value))}>
              {GRACE_CHOICES.map((seconds) => (
                <option key={seconds} value={String(seconds)}>
                  {t(`grace.${seconds}`)}
                </option>
              ))}
            </select>
          </label>
          <ProblemBanner problem={reroll.problem} />
          <div class="actions">
            <button type="submit" disabled={reroll.busy}>
              {t("reroll")}
            </button>
            <button type="button" class="danger" onClick={() => setConfirming(true)}>
              {t("revoke")}
            </button>
          </div>
        </form>
      )}
      {confirming && (
        <ConfirmDialog
          title={t("revokeTitle")}
          text={<p>{t("revokeText", { name: key.name })}</p>}
          confirmLabel={t("revoke")}
          busy={revoke.busy}
          problem={revoke.problem}
          onConfirm={() => void revoke.run()}
          onClose={() => {
            revoke.clear();
            setConfirming(false);
          }}
        />
      )}
    </>
  );
}
