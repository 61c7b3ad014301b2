// A key opened from the table: every field; for owners and admins also editing, setting
// or adding credits, disabling and enabling, rerolling and revoking. The key is read again after each change, so its new expiry
// (after a reroll) or status (after a revoke) shows at once.
import { useState } from "preact/hooks";
import { api, type Key, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { Dialog, ProblemBanner } from "../../ui/components";
import { useLoad } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { CreditsActions } from "../limits/CreditsActions";
import { KeyEditForm } from "./KeyEditForm";
import { KeyEnableToggle } from "./KeyEnableToggle";
import { KeyFacts } from "./KeyFacts";
import { KeyLifecycle } from "./KeyLifecycle";
import { keysText } from "./messages";

export function KeyDetailsDialog(props: {
  pid: string;
  value: Key;
  roleNames: ReadonlyMap<string, string>;
  identityNames: ReadonlyMap<string, string>;
  canManage: boolean;
  onChanged: () => void;
  onClose: () => void;
}) {
  const t = useT(keysText);
  const tc = useT(common);
  const loaded = useLoad(
    () => unwrap(api.GET("/v1/projects/{pid}/keys/{key_id}", { params: { path: { pid: props.pid, key_id: props.value.id } } })),
    [props.pid, props.value.id],
  );
  // The answer to a PATCH is the key as it now is, until the key has been read again (a
  // read still under way when the PATCH was sent is dropped by the reload).
  const [patched, setPatched] = useState<{ key: Key; over: Key | undefined } | null>(null);
  const key = patched && patched.over === loaded.data ? patched.key : (loaded.data ?? props.value);
  const [saved, setSaved] = useState(false);
  const onPatched = (updated: Key) => {
    setPatched({ key: updated, over: loaded.data });
    setSaved(true);
    loaded.reload();
    props.onChanged();
  };
  const changed = () => {
    setSaved(false);
    loaded.reload();
    props.onChanged();
  };
  return (
    <Dialog title={t("detailsTitle", { name: key.name })} onClose={props.onClose} wide>
      <ProblemBanner problem={loaded.problem} />
      <KeyFacts value={key} roleName={props.roleNames.get(key.role_id)} identityNames={props.identityNames} />
      {props.canManage && key.credits && key.status !== "revoked" && (
        <CreditsActions
          change={(op, value) =>
            unwrap(api.POST("/v1/projects/{pid}/keys/{key_id}/credits", { params: { path: { pid: props.pid, key_id: key.id } }, body: { op, value } }))
          }
          onChanged={() => {
            loaded.reload();
            props.onChanged();
          }}
        />
      )}
      {props.canManage && key.status !== "revoked" && (
        <KeyEnableToggle key={key.id} pid={props.pid} value={key} onChanged={onPatched} />
      )}
      {props.canManage && key.status !== "revoked" && (
        <KeyEditForm key={`${key.id}/${key.expires_at}/${key.ip_allowlist.join()}`} pid={props.pid} value={key} onSaved={onPatched} />
      )}
      {props.canManage && <KeyLifecycle pid={props.pid} value={key} onChanged={changed} />}
      <div class="actions">
        <span role="status" class="keys-saved">
          {saved && t("saved")}
        </span>
        <button type="button" onClick={props.onClose}>
          {tc("close")}
        </button>
      </div>
    </Dialog>
  );
}
