// An identity opened from the list: its facts, limits and credits (with set/add), its keys,
// editing, and deletion (which revokes its keys, as the confirmation says).
import { useState } from "preact/hooks";
import { api, type Identity, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ConfirmDialog, Dialog, ProblemBanner, Time } from "../../ui/components";
import { useAction, useLoad } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { CreditsActions } from "../limits/CreditsActions";
import { CreditsText, RateLimitsView } from "../limits/LimitsView";
import { IdentityKeys } from "./IdentityKeys";
import { EditIdentityForm } from "./IdentityForm";
import { identitiesText } from "./messages";

export function IdentityDetailsDialog(props: {
  pid: string;
  value: Identity;
  onChanged: () => void;
  onDeleted: () => void;
  onClose: () => void;
}) {
  const t = useT(identitiesText);
  const tc = useT(common);
  const path = { pid: props.pid, identity_id: props.value.id };
  const loaded = useLoad(() => unwrap(api.GET("/v1/projects/{pid}/identities/{identity_id}", { params: { path } })), [props.pid, props.value.id]);
  const identity = loaded.data ?? props.value;
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [version, setVersion] = useState(0);
  const changed = () => {
    loaded.reload();
    setVersion((v) => v + 1);
    props.onChanged();
  };
  const remove = useAction(async () => {
    await unwrap(api.DELETE("/v1/projects/{pid}/identities/{identity_id}", { params: { path } }));
    props.onDeleted();
  });
  const meta = Object.entries(identity.meta);
  return (
    <Dialog title={t("detailsTitle", { name: identity.external_id })} onClose={props.onClose} wide>
      <ProblemBanner problem={loaded.problem} />
      <dl class="facts">
        <dt>{t("id")}</dt>
        <dd>
          <code>{identity.id}</code>
        </dd>
        <dt>{t("externalId")}</dt>
        <dd>{identity.external_id}</dd>
        <dt>{t("created")}</dt>
        <dd>
          <Time value={identity.created_at} />
        </dd>
        <dt>{t("meta")}</dt>
        <dd>
          {meta.length === 0 ? (
            <span class="muted">{t("noMeta")}</span>
          ) : (
            meta.map(([key, value]) => (
              <div key={key}>
                <code>{key}</code>: {typeof value === "string" ? value : JSON.stringify(value)}
              </div>
            ))
          )}
        </dd>
        <dt>{t("rateLimits")}</dt>
        <dd>
          <RateLimitsView limits={identity.ratelimits} />
        </dd>
        <dt>{t("credits")}</dt>
        <dd>
          <CreditsText credits={identity.credits} />
        </dd>
      </dl>
      {identity.credits && (
        <CreditsActions
          change={(op, value) => unwrap(api.POST("/v1/projects/{pid}/identities/{identity_id}/credits", { params: { path }, body: { op, value } }))}
          onChanged={changed}
        />
      )}
      <IdentityKeys pid={props.pid} identityId={identity.id} version={version} />
      <EditIdentityForm
        key={JSON.stringify([identity.meta, identity.ratelimits, identity.credits])}
        pid={props.pid}
        value={identity}
        onSaved={() => {
          setSaved(true);
          changed();
        }}
      />
      <div class="actions">
        <span role="status" class="limits-saved">
          {saved && t("saved")}
        </span>
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          {t("delete")}
        </button>
        <button type="button" onClick={props.onClose}>
          {tc("close")}
        </button>
      </div>
      {confirming && (
        <ConfirmDialog
          title={t("deleteTitle")}
          text={<p>{t("deleteText", { name: identity.external_id })}</p>}
          confirmLabel={t("delete")}
          busy={remove.busy}
          problem={remove.problem}
          onConfirm={() => void remove.run()}
          onClose={() => {
            remove.clear();
            setConfirming(false);
          }}
        />
      )}
    </Dialog>
  );
}
