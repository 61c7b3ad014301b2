// Project roles with their permissions (manage_config edits them). A role that a key or a
// template uses cannot be deleted: the service answers 409 and the dialog says why.
import { useState } from "preact/hooks";
import { allPages, api, type Role, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ConfirmDialog, Loading, ProblemBanner } from "../../ui/components";
import { useAction, useLoad } from "../../ui/hooks";
import { common } from "../../ui/messages";
import type { PanelProps } from "../types";
import { settingsText } from "./messages";
import { RoleDialog } from "./RoleDialog";

export function RolesSection({ project, can }: PanelProps) {
  const t = useT(settingsText);
  const tc = useT(common);
  const pid = project.id;
  const roles = useLoad(
    () => allPages((cursor) => api.GET("/v1/projects/{pid}/roles", { params: { path: { pid }, query: { limit: 100, cursor } } })),
    [pid],
  );
  const [editing, setEditing] = useState<Role | "new" | null>(null);
  const [deleting, setDeleting] = useState<Role | null>(null);
  const remove = useAction(async (role: Role) => {
    await unwrap(api.DELETE("/v1/projects/{pid}/roles/{role_id}", { params: { path: { pid, role_id: role.id } } }));
    setDeleting(null);
    roles.reload();
  });
  const manage = can("manage_config");
  return (
    <section aria-labelledby="settings-roles">
      <div class="panel-head">
        <h2 id="settings-roles">{t("roles")}</h2>
        {manage && (
          <button type="button" class="primary" onClick={() => setEditing("new")}>
            {t("newRole")}
          </button>
        )}
      </div>
      <p class="muted">{t("rolesHelp")}</p>
      <ProblemBanner problem={roles.problem} />
      {!roles.data ? (
        !roles.problem && <Loading />
      ) : roles.data.length === 0 ? (
        <p class="muted">{t("noRoles")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("name")}</th>
              <th scope="col">{t("description")}</th>
              <th scope="col">{t("permissions")}</th>
              {manage && <th scope="col">{t("actions")}</th>}
            </tr>
          </thead>
          <tbody>
            {roles.data.map((role) => (
              <tr key={role.id}>
                <td>{role.name}</td>
                <td>{role.description}</td>
                <td>
                  {role.permissions.length === 0 ? (
                    <span class="muted">{t("noPermissions")}</span>
                  ) : (
                    <ul class="permissions">
                      {role.permissions.map((p) => (
                        <li key={p}>
                          <code>{p}</code>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                {manage && (
                  <td>
                    <div class="row-actions">
                      <button type="button" aria-label={t("editRoleNamed", { name: role.name })} onClick={() => setEditing(role)}>
                        {t("edit")}
                      </button>
                      <button
                        type="button"
                        aria-label={t("deleteRoleNamed", { name: role.name })}
                        onClick={() => {
                          remove.clear();
                          setDeleting(role);
                        }}
                      >
                        {tc("delete")}
                      </button>
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <RoleDialog
          pid={pid}
          role={editing === "new" ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            roles.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t("deleteRoleTitle", { name: deleting.name })}
          text={
            <>
              <p>{t("deleteRoleText")}</p>
              {remove.problem?.code === "conflict" && (
                <p class="warning" data-testid="role-in-use">
                  {t("roleInUse")}
                </p>
              )}
            </>
          }
          confirmLabel={tc("delete")}
          busy={remove.busy}
          problem={remove.problem}
          onConfirm={() => void remove.run(deleting)}
          onClose={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
