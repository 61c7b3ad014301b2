// The confirmation the seeds ask before a sensitive action: sign in again, then the
// action is repeated (auth/stepup.ts).
import { Dialog, ProblemBanner } from "../ui/components";
import { useAction } from "../ui/hooks";
import { common } from "../ui/messages";
import { useT } from "../i18n";
import type { ConsoleConfig } from "./config";
import { localToken } from "./local";
import { session } from "./session";
import { ConfirmationCancelled, pendingConfirmation } from "./stepup";

export function StepUpDialog({ config }: { config: ConsoleConfig }) {
  const t = useT(common);
  const pending = pendingConfirmation.value;
  const reauthenticate = useAction(async () => {
    const current = session.peek();
    if (!current || !pending) return;
    if (config.auth === "oidc") {
      const { oidcReauthenticate } = await import("./oidc");
      session.value = await oidcReauthenticate(config);
    } else {
      session.value = await localToken(current.sub, current.groups);
    }
    pendingConfirmation.value = null;
    pending.resolve();
  });
  if (!pending) return null;
  const cancel = () => {
    pendingConfirmation.value = null;
    pending.reject(new ConfirmationCancelled());
  };
  return (
    <Dialog title={pending.reason === "expired" ? t("expiredTitle") : t("stepUpTitle")} onClose={cancel}>
      <p>{pending.reason === "expired" ? t("expiredText") : t("stepUpText")}</p>
      <p class="muted">{t("signedInAs", { sub: session.value?.sub ?? "" })}</p>
      <ProblemBanner problem={reauthenticate.problem} />
      <div class="actions">
        <button type="button" onClick={cancel}>
          {t("cancel")}
        </button>
        <button type="button" class="primary" disabled={reauthenticate.busy} onClick={() => void reauthenticate.run()}>
          {t("stepUpButton")}
        </button>
      </div>
    </Dialog>
  );
}
