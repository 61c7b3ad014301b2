// The form that adds a member with a role (manage_members). PUT sets the membership: a
// repeat gives the same result, so it needs no Idempotency-Key (the contract takes one on
// POSTs only).
import { useId, useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { tabs } from "../messages";
import type { MemberRole } from "../types";
import { settingsText } from "./messages";

export function AddMember(props: { pid: string; roles: readonly MemberRole[]; onAdded: () => void }) {
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
