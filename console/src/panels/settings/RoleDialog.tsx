// Creating or editing a project role: name, description and its permissions, checked as typed.
import { useId, useState } from "preact/hooks";
import { api, type Role, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { useT } from "../../i18n";
import { Dialog, ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { settingsText } from "./messages";
import { invalidPermissions, parsePermissions } from "./permissions";

export function RoleDialog(props: { pid: string; role?: Role; onClose: () => void; onSaved: () => void }) {
  const t = useT(settingsText);
  const tc = useT(common);
  const helpId = useId();
  const errorId = useId();
  const [name, setName] = useState(props.role?.name ?? "");
  const [description, setDescription] = useState(props.role?.description ?? "");
  const [permissionsText, setPermissionsText] = useState((props.role?.permissions ?? []).join("\n"));
  const permissions = parsePermissions(permissionsText);
  const invalid = invalidPermissions(permissions);
  const scope = useIdempotencyScope();
  const save = useAction(async () => {
    const body = { name, description, permissions };
    const { pid, role } = props;
    if (role) {
      // A PATCH sets the fields to these values: repeating it changes nothing (the contract
      // takes Idempotency-Key on POSTs only).
      await unwrap(api.PATCH("/v1/projects/{pid}/roles/{role_id}", { params: { path: { pid, role_id: role.id } }, body }));
    } else {
      const header = await idempotencyHeaders(scope, "create role", body);
      await unwrap(api.POST("/v1/projects/{pid}/roles", { params: { path: { pid }, header }, body }));
    }
    props.onSaved();
  });
  return (
    <Dialog title={props.role ? t("editRole", { name: props.role.name }) : t("newRole")} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (invalid.length === 0) void save.run();
        }}
      >
        <label>
          {t("name")}
          <input required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {t("description")}
          <input maxLength={1024} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <label>
          {t("permissionsLabel")}
          <textarea
            rows={5}
            spellcheck={false}
            value={permissionsText}
            aria-invalid={invalid.length > 0}
            aria-describedby={invalid.length > 0 ? `${helpId} ${errorId}` : helpId}
            onInput={(e) => setPermissionsText(e.currentTarget.value)}
          />
        </label>
        <p id={helpId} class="muted">
          {t("permissionsHelp")}
        </p>
        {invalid.length > 0 && (
          <p id={errorId} class="field-error" role="alert">
            {t("badPermissions", { list: invalid.join(", ") })}
          </p>
        )}
        <ProblemBanner problem={save.problem} />
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            {tc("cancel")}
          </button>
          <button type="submit" class="primary" disabled={save.busy || invalid.length > 0}>
            {props.role ? tc("save") : t("create")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
