// The secret of a key just issued (created or rerolled), shown once with copy buttons.
// It lives only in the state of the dialog that shows it: closing the dialog drops it.
import { useT } from "../../i18n";
import { SecretValue } from "../../ui/components";
import { keysText } from "./messages";
import type { IssuedSecret } from "./model";

export function IssuedSecretView({ secret }: { secret: IssuedSecret }) {
  const t = useT(keysText);
  if (secret.kind === "hmac") {
    return (
      <div data-testid="issued-secret">
        <SecretValue label={t("hmacToken")} value={secret.token} testId="secret-token" />
        <SecretValue label={t("hmacSecret")} value={secret.secret} testId="secret-secret" once />
      </div>
    );
  }
  return (
    <div data-testid="issued-secret">
      <SecretValue label={t("keyValue")} value={secret.key} testId="secret-key" once />
    </div>
  );
}
