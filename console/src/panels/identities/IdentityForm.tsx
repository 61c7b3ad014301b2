// An identity's fields: its external id (only when creating: it never changes), metadata,
// rate limits and credits. Editing sends only the parts the person changed, so saving new
// metadata does not reset the credit balance (credits sent set it).
import { useState } from "preact/hooks";
import { api, type Identity, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { useT } from "../../i18n";
import { ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { CreditsEditor, RateLimitsEditor } from "../limits/LimitsEditor";
import { type CreditsForm, creditsForm, NO_CREDITS, type RateLimitRow, rateLimitRows, toCredits, toRateLimits } from "../limits/model";
import { identitiesText } from "./messages";
import { MetaEditor, type MetaRow, metaRows, toMeta } from "./MetaEditor";

interface Fields {
  meta: MetaRow[];
  rates: RateLimitRow[];
  credits: CreditsForm;
}

function useFields(initial: Fields) {
  const [meta, setMeta] = useState(initial.meta);
  const [rates, setRates] = useState(initial.rates);
  const [credits, setCredits] = useState(initial.credits);
  const editors = (
    <>
      <MetaEditor rows={meta} onChange={setMeta} />
      <RateLimitsEditor rows={rates} onChange={setRates} />
      <CreditsEditor value={credits} onChange={setCredits} />
    </>
  );
  return { meta, rates, credits, editors };
}

export function CreateIdentityForm(props: { pid: string; onCreated: (identity: Identity) => void; onClose: () => void }) {
  const t = useT(identitiesText);
  const tc = useT(common);
  const [externalId, setExternalId] = useState("");
  const fields = useFields({ meta: [], rates: [], credits: NO_CREDITS });
  const scope = useIdempotencyScope();
  const create = useAction(async () => {
    const body = {
      external_id: externalId.trim(),
      meta: toMeta(fields.meta),
      ratelimits: toRateLimits(fields.rates),
      credits: toCredits(fields.credits),
    };
    const header = await idempotencyHeaders(scope, "create identity", body);
    props.onCreated(await unwrap(api.POST("/v1/projects/{pid}/identities", { params: { path: { pid: props.pid }, header }, body })));
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (!create.busy) void create.run();
      }}
    >
      <label>
        {t("externalId")}
        <input required maxLength={256} value={externalId} aria-describedby="identity-external-help" onInput={(e) => setExternalId(e.currentTarget.value)} autoComplete="off" />
      </label>
      <p id="identity-external-help" class="muted small">
        {t("externalIdHelp")}
      </p>
      {fields.editors}
      <ProblemBanner problem={create.problem} />
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          {tc("cancel")}
        </button>
        <button type="submit" class="primary" disabled={create.busy}>
          {t("create")}
        </button>
      </div>
    </form>
  );
}

export function EditIdentityForm(props: { pid: string; value: Identity; onSaved: (identity: Identity) => void }) {
  const t = useT(identitiesText);
  const tc = useT(common);
  const identity = props.value;
  const initial = { meta: metaRows(identity.meta), rates: rateLimitRows(identity.ratelimits), credits: creditsForm(identity.credits) };
  const fields = useFields(initial);
  const save = useAction(async () => {
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const meta = toMeta(fields.meta);
    const ratelimits = toRateLimits(fields.rates);
    const credits = toCredits(fields.credits);
    const body = {
      ...(!same(meta, identity.meta) && { meta }),
      ...(!same(ratelimits, toRateLimits(initial.rates)) && { ratelimits }),
      ...(!same(fields.credits, initial.credits) && { credits }),
    };
    const path = { pid: props.pid, identity_id: identity.id };
    props.onSaved(await unwrap(api.PATCH("/v1/projects/{pid}/identities/{identity_id}", { params: { path }, body })));
  });
  return (
    <form
      class="card"
      onSubmit={(event) => {
        event.preventDefault();
        if (!save.busy) void save.run();
      }}
    >
      <h3>{t("edit")}</h3>
      {fields.editors}
      <p class="muted small">{t("editHelp")}</p>
      <ProblemBanner problem={save.problem} />
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          {tc("save")}
        </button>
      </div>
    </form>
  );
}
