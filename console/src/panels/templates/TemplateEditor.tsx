// Creating or changing a key template (roles with manage_config).
import { useState } from "preact/hooks";
import { allPages, api, type Role, type Template, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { useT } from "../../i18n";
import { Dialog, ProblemBanner } from "../../ui/components";
import { useAction, useLoad } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { type InfoField, joinTtl, KEY_TYPES, type KeyType, splitTtl, type Unit, UNITS } from "./data";
import { InfoFieldsEditor } from "./InfoFieldsEditor";
import { templatesText } from "./messages";

export function TemplateEditor(props: {
  pid: string;
  /** The template to change; none: a new one. */
  template?: Template;
  roles: Role[];
  /** Owners and admins only may make a template that approves by itself. */
  mayAutoApprove: boolean;
  onClose: () => void;
  onSaved: () => void;
}) {
  const t = useT(templatesText);
  const tc = useT(common);
  const { pid, template } = props;
  const ttl = splitTtl(template?.ttl_seconds ?? null);
  const [name, setName] = useState(template?.name ?? "");
  const [description, setDescription] = useState(template?.description ?? "");
  const [roleId, setRoleId] = useState(template?.role_id ?? "");
  const [type, setType] = useState<KeyType>(template?.type ?? "opaque");
  const [ttlAmount, setTtlAmount] = useState(ttl.amount);
  const [ttlUnit, setTtlUnit] = useState<Unit>(ttl.unit);
  const [autoApprove, setAutoApprove] = useState(template?.auto_approve ?? false);
  const [fields, setFields] = useState<InfoField[]>(
    template?.info_fields.map((f) => ({ name: f.name, description: f.description, value: f.value })) ?? [],
  );
  const nodes = useLoad(
    () => allPages((cursor) => api.GET("/v1/projects/{pid}/nodes", { params: { path: { pid }, query: { limit: 100, cursor } } })),
    [pid],
  );

  const scope = useIdempotencyScope();
  const save = useAction(async () => {
    const ttlSeconds = joinTtl(ttlAmount, ttlUnit);
    const body = { name, description, role_id: roleId, type, info_fields: fields };
    if (template) {
      // Only what the person changed: an untouched lifetime or approval is left as it is.
      const changed = {
        ...body,
        ...(ttlSeconds !== template.ttl_seconds && { ttl_seconds: ttlSeconds }),
        ...(autoApprove !== template.auto_approve && { auto_approve: autoApprove }),
      };
      await unwrap(
        api.PATCH("/v1/projects/{pid}/key-templates/{template_id}", {
          params: { path: { pid, template_id: template.id } },
          body: changed,
        }),
      );
    } else {
      const created = { ...body, ttl_seconds: ttlSeconds, auto_approve: autoApprove };
      await unwrap(
        api.POST("/v1/projects/{pid}/key-templates", {
          params: { path: { pid }, header: await idempotencyHeaders(scope, "create-template", created) },
          body: created,
        }),
      );
    }
    props.onSaved();
  });

  return (
    <Dialog title={template ? t("editTitle", { name: template.name }) : t("createTitle")} onClose={props.onClose} wide>
      <form
        class="template-editor"
        onSubmit={(event) => {
          event.preventDefault();
          void save.run();
        }}
      >
        <label>
          {t("name")}
          <input required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {t("description")}
          {/* One line: the contract refuses control characters (a newline included) in it. */}
          <input maxLength={1024} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <div class="editor-grid">
          <label>
            {t("role")}
            <select required value={roleId} onChange={(e) => setRoleId(e.currentTarget.value)}>
              <option value="">{t("chooseRole")}</option>
              {props.roles.map((role) => (
                <option key={role.id} value={role.id}>
                  {role.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("type")}
            <select value={type} onChange={(e) => setType(e.currentTarget.value as KeyType)}>
              {KEY_TYPES.map((k) => (
                <option key={k} value={k}>
                  {t(`type.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("ttlAmount")}
            <input
              type="number"
              min={1}
              step={1}
              inputMode="numeric"
              value={ttlAmount}
              onInput={(e) => setTtlAmount(e.currentTarget.value)}
            />
          </label>
          <label>
            {t("ttlUnit")}
            <select value={ttlUnit} onChange={(e) => setTtlUnit(e.currentTarget.value as Unit)}>
              {UNITS.map(([unit]) => (
                <option key={unit} value={unit}>
                  {t(`unit.${unit}`)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {props.roles.length === 0 && <p class="warning">{t("noRoles")}</p>}
        <label class="inline">
          <input
            type="checkbox"
            checked={autoApprove}
            disabled={!props.mayAutoApprove}
            onChange={(e) => setAutoApprove(e.currentTarget.checked)}
          />
          {t("autoApproveLabel")}
        </label>
        {!props.mayAutoApprove && <p class="muted">{t("autoApproveHelp")}</p>}
        <InfoFieldsEditor fields={fields} nodes={nodes.data ?? []} onChange={setFields} />
        <ProblemBanner problem={nodes.problem} />
        <ProblemBanner problem={save.problem} />
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            {tc("cancel")}
          </button>
          <button type="submit" class="primary" disabled={save.busy}>
            {template ? t("save") : t("createButton")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
