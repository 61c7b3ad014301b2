// "Show → View": asks before revealing a secret; the call goes through step-up.
import { api, unwrap } from "../../api/client";
import { withStepUp } from "../../auth/stepup";
import { useT } from "../../i18n";
import { Dialog, ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { secretsText } from "./messages";
import type { SecretName } from "./names";

export function RevealDialog(props: { pid: string; name: SecretName; onClose: () => void; onRevealed: (value: string) => void }) {
  const t = useT(secretsText);
  const tc = useT(common);
  const reveal = useAction(async () => {
    const path = { pid: props.pid, name: props.name };
    const secret = await withStepUp(() => unwrap(api.POST("/v1/projects/{pid}/secrets/{name}/reveal", { params: { path } })));
    props.onRevealed(secret.value);
  });
  return (
    <Dialog title={t(`revealTitle.${props.name}`)} onClose={props.onClose}>
      <p>{t("revealText")}</p>
      <ProblemBanner problem={reveal.problem} />
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          {tc("cancel")}
        </button>
        <button type="button" class="primary" disabled={reveal.busy} onClick={() => void reveal.run()}>
          {t("view")}
        </button>
      </div>
    </Dialog>
  );
}
