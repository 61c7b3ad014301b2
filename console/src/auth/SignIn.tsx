import { useState } from "preact/hooks";
import { ProblemBanner } from "../ui/components";
import { useAction } from "../ui/hooks";
import { common } from "../ui/messages";
import { useT } from "../i18n";
import type { ConsoleConfig } from "./config";
import { localToken } from "./local";
import { session } from "./session";

export function SignIn({ config }: { config: ConsoleConfig }) {
  const t = useT(common);
  const [sub, setSub] = useState("");
  const [groups, setGroups] = useState("");
  const [age, setAge] = useState("0");
  const signIn = useAction(async () => {
    if (config.auth === "oidc") {
      const { oidcSignIn } = await import("./oidc");
      await oidcSignIn(config);
      return;
    }
    const list = groups
      .split(",")
      .map((g) => g.trim())
      .filter(Boolean);
    session.value = await localToken(sub.trim(), list, Math.max(0, Number(age) || 0));
  });
  return (
    <main id="content" tabIndex={-1} class="signin">
      <h1>{t("signInTitle")}</h1>
      {config.auth === "oidc" ? (
        <button type="button" class="primary" onClick={() => void signIn.run()} disabled={signIn.busy}>
          {t("signInOidc")}
        </button>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void signIn.run();
          }}
        >
          <p class="muted">{t("signInLocal")}</p>
          <label>
            {t("userId")}
            <input name="sub" required value={sub} onInput={(e) => setSub(e.currentTarget.value)} autoComplete="username" />
          </label>
          <label>
            {t("groups")}
            <input name="groups" value={groups} onInput={(e) => setGroups(e.currentTarget.value)} placeholder="keywarden-admins" />
          </label>
          <label>
            {t("authAge")}
            <input
              name="auth_age"
              type="number"
              min={0}
              value={age}
              onInput={(e) => setAge(e.currentTarget.value)}
              aria-describedby="auth-age-help"
            />
          </label>
          <p id="auth-age-help" class="muted">
            {t("authAgeHelp")}
          </p>
          <button type="submit" class="primary" disabled={signIn.busy || !sub.trim()}>
            {t("signIn")}
          </button>
        </form>
      )}
      <ProblemBanner problem={signIn.problem} />
    </main>
  );
}
