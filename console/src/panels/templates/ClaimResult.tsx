// What a claim hands over, once: the key's secret, the template's information fields as
// secrets, and the same fields as a .env file. It lives in the panel's state only, and
// closes by its button alone (Escape does not: it cannot be shown again).
import { useT } from "../../i18n";
import { Dialog, SecretValue } from "../../ui/components";
import { type Claimed, envFileName, type KeyType } from "./data";
import { templatesText } from "./messages";

export function ClaimResult(props: { templateName: string; claimed: Claimed; onClose: () => void }) {
  const t = useT(templatesText);
  const { claimed } = props;
  const secret = claimed.secret as { key?: string; token?: string; secret?: string };
  const fields = Object.entries(claimed.secrets);
  return (
    <Dialog title={t("claimTitle", { name: props.templateName })} onClose={props.onClose} wide keepOnEscape>
      <div class="claim-result">
        <p class="warning" role="note">
          {t("claimIntro")}
        </p>
        <p class="muted">
          <code>{claimed.key.id}</code> · {t(`type.${claimed.key.type as KeyType}`)}
        </p>
        {secret.key !== undefined && <SecretValue label={t("keyValue")} value={secret.key} testId="claimed-key" />}
        {secret.token !== undefined && <SecretValue label={t("hmacToken")} value={secret.token} testId="claimed-token" />}
        {secret.secret !== undefined && (
          <SecretValue label={t("hmacSecret")} value={secret.secret} testId="claimed-secret" />
        )}
        {fields.length > 0 && (
          <section aria-label={t("infoSecrets")}>
            <h3>{t("infoSecrets")}</h3>
            {fields.map(([name, value]) => (
              <SecretValue key={name} label={name} value={value} testId={`info-${name}`} />
            ))}
          </section>
        )}
        <div class="actions">
          {fields.length > 0 && (
            <button type="button" onClick={() => download(envFileName(props.templateName), claimed.dotenv)}>
              {t("downloadEnv")}
            </button>
          )}
          <button type="button" class="primary" onClick={props.onClose}>
            {t("done")}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

/** Saves `text` as a file, from memory (a Blob URL revoked right after: nothing stays behind). */
function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
