// The project's templates as tiles: what each issues, its editing (manage_config) and the
// member's key tile (request_keys).
import { useState } from "preact/hooks";
import { api, type Role, type Template, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ConfirmDialog } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import type { PanelProps } from "../types";
import { type Claimed, ttlText } from "./data";
import { KeyTile } from "./KeyTile";
import { templatesText } from "./messages";
import { TemplateEditor } from "./TemplateEditor";

interface TilesProps {
  panel: PanelProps;
  roles: Role[];
  onChanged: () => void;
  /** A key was claimed: its one-time result is shown by the panel, outside the tiles. */
  onClaimed: (templateName: string, claimed: Claimed) => void;
}

export function TemplateTiles(props: TilesProps & { templates: Template[] }) {
  const t = useT(templatesText);
  const { panel } = props;
  if (props.templates.length === 0) {
    return <p class="muted">{panel.can("manage_config") ? t("emptyManage") : t("empty")}</p>;
  }
  return (
    <ul class="tiles template-tiles" aria-label={t("title")}>
      {props.templates.map((template) => (
        <TemplateTile key={template.id} {...props} template={template} />
      ))}
    </ul>
  );
}

function TemplateTile(props: TilesProps & { template: Template }) {
  const t = useT(templatesText);
  const { panel, template } = props;
  const pid = panel.project.id;
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const remove = useAction(async () => {
    await unwrap(
      api.DELETE("/v1/projects/{pid}/key-templates/{template_id}", { params: { path: { pid, template_id: template.id } } }),
    );
    setDeleting(false);
    props.onChanged();
  });
  const role = props.roles.find((r) => r.id === template.role_id);
  // A template that approves by itself is changed by owners and admins only (the service's rule).
  const mayEdit = panel.can("manage_config") && (!template.auto_approve || panel.can("decide_requests"));
  return (
    <li class="tile template-tile" aria-label={template.name}>
      <h3>{template.name}</h3>
      {template.description && <p>{template.description}</p>}
      <dl class="facts">
        <dt>{t("role")}</dt>
        <dd>{role?.name ?? t("unknownRole")}</dd>
        <dt>{t("type")}</dt>
        <dd>{t(`type.${template.type}`)}</dd>
        <dt>{t("ttl")}</dt>
        <dd>{ttlText(t, template.ttl_seconds)}</dd>
        <dt>{t("approval")}</dt>
        <dd>{template.auto_approve ? <span class="badge approved">{t("autoApprove")}</span> : t("manualApprove")}</dd>
        <dt>{t("fields")}</dt>
        <dd>
          {template.info_fields.length === 0
            ? t("noFields")
            : template.info_fields.map((f) => (
                <code key={f.name} class="field-chip" title={f.description || undefined}>
                  {f.name}
                </code>
              ))}
        </dd>
      </dl>
      {panel.can("manage_config") && (
        <div class="row-actions">
          {mayEdit && (
            <button type="button" onClick={() => setEditing(true)}>
              {t("edit")}
            </button>
          )}
          <button type="button" onClick={() => setDeleting(true)}>
            {t("delete")}
          </button>
        </div>
      )}
      {panel.can("request_keys") ? (
        <KeyTile
          pid={pid}
          template={template}
          onChanged={props.onChanged}
          onClaimed={(claimed) => props.onClaimed(template.name, claimed)}
        />
      ) : (
        <p class="muted">{t("cannotRequest")}</p>
      )}
      {editing && (
        <TemplateEditor
          pid={pid}
          template={template}
          roles={props.roles}
          mayAutoApprove={panel.can("decide_requests")}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            props.onChanged();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t("deleteTitle", { name: template.name })}
          text={t("deleteText")}
          confirmLabel={t("delete")}
          busy={remove.busy}
          problem={remove.problem}
          onConfirm={() => void remove.run()}
          onClose={() => {
            remove.clear();
            setDeleting(false);
          }}
        />
      )}
    </li>
  );
}
