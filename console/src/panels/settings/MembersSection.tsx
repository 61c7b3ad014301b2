// The project's members and their roles; adding, changing and removing them (manage_members).
// Owners manage everyone; admins everyone but owners, and may not make anyone an owner.
import { useId, useState } from "preact/hooks";
import { allPages, api, type Member, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ConfirmDialog, Loading, ProblemBanner, Time } from "../../ui/components";
import { useAction, useLoad } from "../../ui/hooks";
import { tabs } from "../messages";
import type { MemberRole, PanelProps } from "../types";
import { settingsText } from "./messages";

const ROLES: readonly MemberRole[] = ["owner", "admin", "editor", "developer", "viewer"];

export function MembersSection({ project, me, role, can }: PanelProps) {
  const t = useT(settingsText);
  const tt = useT(tabs);
  const pid = project.id;
  const members = useLoad(
    () => allPages((cursor) => api.GET("/v1/projects/{pid}/members", { params: { path: { pid }, query: { limit: 100, cursor } } })),
    [pid],
  );
  const [note, setNote] = useState("");
  const [removing, setRemoving] = useState<Member | null>(null);
  // Bumped after each change of role, so a refused choice does not stay selected.
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
      members.reload();
    } finally {
      setAttempt((n) => n + 1);
    }
  });
  const remove = useAction(async (userId: string) => {
    await unwrap(api.DELETE("/v1/projects/{pid}/members/{user_id}", { params: { path: { pid, user_id: userId } } }));
    setRemoving(null);
    members.reload();
  });
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
                      onChange={(e) => void put.run(member.user_id, e.currentTarget.value as MemberRole)}
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
                        aria-label={`${t("remove")} ${member.user_id}`}
                        onClick={() => {
                          remove.clear();
                          setRemoving(member);
                        }}
                      >
                        {t("remove")}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ProblemBanner problem={put.problem} />
      {note && !put.problem && (
        <p class="muted" role="status">
          {note}
        </p>
      )}
      {manage && <AddMember pid={pid} roles={assignable} onAdded={members.reload} />}
      {removing && (
        <ConfirmDialog
          title={t("removeTitle", { user: removing.user_id })}
          text={<p>{t("removeText", { user: removing.user_id })}</p>}
          confirmLabel={t("remove")}
          busy={remove.busy}
          problem={remove.problem}
          onConfirm={() => void remove.run(removing.user_id)}
          onClose={() => setRemoving(null)}
        />
      )}
    </section>
  );
}

function AddMember(props: { pid: string; roles: readonly MemberRole[]; onAdded: () => void }) {
  const t = useT(settingsText);
  const tt = useT(tabs);
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState<MemberRole>("developer");
  const add = useAction(async () => {
    const user_id = userId.trim();
    await unwrap(api.PUT("/v1/projects/{pid}/members/{user_id}", { params: { path: { pid: props.pid, user_id } }, body: { role } }));
    setUserId("");
    props.onAdded();
  });
  const headingId = useId();
  const helpId = useId();
  return (
    <form
      aria-labelledby={headingId}
      onSubmit={(event) => {
        event.preventDefault();
        void add.run();
      }}
    >
      <h3 id={headingId}>{t("addMember")}</h3>
      <div class="filters">
        <label>
          {t("user")}
          <input required value={userId} aria-describedby={helpId} onInput={(e) => setUserId(e.currentTarget.value)} />
        </label>
        <label>
          {t("role")}
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as MemberRole)}>
            {props.roles.map((r) => (
              <option key={r} value={r}>
                {tt(`role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" disabled={add.busy}>
          {t("addMember")}
        </button>
      </div>
      <p id={helpId} class="muted">
        {t("addMemberHelp")}
      </p>
      <ProblemBanner problem={add.problem} />
    </form>
  );
}
