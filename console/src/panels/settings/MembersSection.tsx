// The project's members and their roles; adding, changing and removing them (manage_members).
// Owners manage everyone; admins everyone but owners, and may not make anyone an owner.
// Changing your own role asks first and then reloads the project (the tabs and controls
// follow the new role); leaving the project goes back to the projects list.
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { allPages, api, type Member, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ConfirmDialog, Loading, ProblemBanner, Time } from "../../ui/components";
import { useAction, useLoad } from "../../ui/hooks";
import { tabs } from "../messages";
import type { MemberRole, PanelProps } from "../types";
import { AddMember } from "./AddMember";
import { settingsText } from "./messages";

const ROLES: readonly MemberRole[] = ["owner", "admin", "editor", "developer", "viewer"];

export function MembersSection({ project, me, role, can, reloadProject }: PanelProps) {
  const t = useT(settingsText);
  const tt = useT(tabs);
  const location = useLocation();
  const pid = project.id;
  const members = useLoad(
    () => allPages((cursor) => api.GET("/v1/projects/{pid}/members", { params: { path: { pid }, query: { limit: 100, cursor } } })),
    [pid],
  );
  const [note, setNote] = useState("");
  const [removing, setRemoving] = useState<Member | null>(null);
  // My own new role, waiting for me to confirm it.
  const [ownRole, setOwnRole] = useState<MemberRole | null>(null);
  // Bumped after each change of role (or a cancelled one), so a refused choice does not stay selected.
  const [attempt, setAttempt] = useState(0);
  const manage = can("manage_members");
  // The owner role is given (and owners are changed) by an owner only.
  const assignable = ROLES.filter((r) => r !== "owner" || role === "owner");
  const mayChange = (member: Member) => manage && (role === "owner" || member.role !== "owner");
  const put = useAction(async (userId: string, newRole: MemberRole) => {
    try {
      await unwrap(
        api.PUT("/v1/projects/{pid}/members/{user_id}", { params: { path: { pid, user_id: userId } }, body: { role: newRole } }),
      );
      setNote(t("roleChanged", { user: userId, role: tt(`role.${newRole}`) }));
      if (userId === me) {
        setOwnRole(null);
        reloadProject();
      }
      members.reload();
    } finally {
      setAttempt((n) => n + 1);
    }
  });
  const remove = useAction(async (userId: string) => {
    await unwrap(api.DELETE("/v1/projects/{pid}/members/{user_id}", { params: { path: { pid, user_id: userId } } }));
    if (userId === me) {
      location.route(import.meta.env.BASE_URL);
      return;
    }
    setRemoving(null);
    members.reload();
  });
  const changeRole = (member: Member, newRole: MemberRole) => {
    if (member.user_id !== me) {
      void put.run(member.user_id, newRole);
      return;
    }
    put.clear();
    setOwnRole(newRole);
  };
  return (
    <section aria-labelledby="settings-members">
      <h2 id="settings-members">{t("members")}</h2>
      <ProblemBanner problem={members.problem} />
      {!members.data ? (
        !members.problem && <Loading />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("user")}</th>
              <th scope="col">{t("role")}</th>
              <th scope="col">{t("added")}</th>
              {manage && <th scope="col">{t("actions")}</th>}
            </tr>
          </thead>
          <tbody>
            {members.data.map((member) => (
              <tr key={member.user_id}>
                <td>
                  {member.user_id} {member.user_id === me && <span class="muted">{t("you")}</span>}
                </td>
                <td>
                  {mayChange(member) ? (
                    <select
                      key={attempt}
                      aria-label={t("roleOf", { user: member.user_id })}
                      value={member.role}
                      disabled={put.busy}
                      onChange={(e) => changeRole(member, e.currentTarget.value as MemberRole)}
                    >
                      {assignable.map((r) => (
                        <option key={r} value={r}>
                          {tt(`role.${r}`)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <span class="badge">{tt(`role.${member.role}`)}</span>
                  )}
                </td>
                <td>
                  <Time value={member.created_at} />
                </td>
                {manage && (
                  <td>
                    {mayChange(member) && (
                      <button
                        type="button"
                        aria-label={member.user_id === me ? undefined : t("removeUser", { user: member.user_id })}
                        onClick={() => {
                          remove.clear();
                          setRemoving(member);
                        }}
                      >
                        {member.user_id === me ? t("leave") : t("remove")}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!ownRole && <ProblemBanner problem={put.problem} />}
      {note && !put.problem && (
        <p class="muted" role="status">
          {note}
        </p>
      )}
      {manage && <AddMember pid={pid} roles={assignable} onAdded={members.reload} />}
      {!manage && (
        // Any member may leave a project (the service keeps at least one owner).
        <div class="actions">
          <button
            type="button"
            onClick={() => {
              remove.clear();
              setRemoving({ user_id: me } as Member);
            }}
          >
            {t("leave")}
          </button>
        </div>
      )}
      {ownRole && (
        <ConfirmDialog
          title={t("ownRoleTitle", { role: tt(`role.${ownRole}`) })}
          text={<p>{t("ownRoleText")}</p>}
          confirmLabel={t("ownRoleConfirm")}
          busy={put.busy}
          problem={put.problem}
          onConfirm={() => void put.run(me, ownRole)}
          onClose={() => {
            setOwnRole(null);
            setAttempt((n) => n + 1);
          }}
        />
      )}
      {removing &&
        (removing.user_id === me ? (
          <ConfirmDialog
            title={t("leaveTitle", { name: project.name })}
            text={<p>{t("leaveText")}</p>}
            confirmLabel={t("leave")}
            busy={remove.busy}
            problem={remove.problem}
            onConfirm={() => void remove.run(me)}
            onClose={() => setRemoving(null)}
          />
        ) : (
          <ConfirmDialog
            title={t("removeTitle", { user: removing.user_id })}
            text={<p>{t("removeText", { user: removing.user_id })}</p>}
            confirmLabel={t("remove")}
            busy={remove.busy}
            problem={remove.problem}
            onConfirm={() => void remove.run(removing.user_id)}
            onClose={() => setRemoving(null)}
          />
        ))}
    </section>
  );
}
