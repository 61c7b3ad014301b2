// Disabling a key for a while (it answers DISABLED) and enabling it again: unlike a
// revocation, reversible, so it asks no confirmation.
import { api, type Key, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { keysText } from "./messages";

export function KeyEnableToggle(props: { pid: string; value: Key; onChanged: (key: Key) => void }) {
  const t = useT(keysText);
  const key = props.value;
  const toggle = useAction(async () => {
    const body = { enabled: !key.enabled };
    const updated = await unwrap(
      api.PATCH("/v1/projects/{pid}/keys/{key_id}", { params: { path: { pid: props.pid, key_id: key.id } }, body }),
    );
    props.onChanged(updated);
  });
  return (
    <section class="card" aria-labelledby={`key-switch-${key.id}`}>
      <h3 id={`key-switch-${key.id}`}>{t("switchTitle")}</h3>
      <p class="muted">{t(key.enabled ? "disableHelp" : "enableHelp")}</p>
      <ProblemBanner problem={toggle.problem} />
      <div class="actions">
        <button type="button" disabled={toggle.busy} onClick={() => void toggle.run()}>
          {t(key.enabled ? "disableKey" : "enableKey")}
        </button>
      </div>
    </section>
  );
}
