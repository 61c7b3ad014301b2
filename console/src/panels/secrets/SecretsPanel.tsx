// "Access keys", as VK Mini Apps' "Development → Access keys": the project's secure key and
// service key, each with its hint, shown and replaced only after the person confirms it's them.
import { api, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { Loading, ProblemBanner } from "../../ui/components";
import { useLoad } from "../../ui/hooks";
import type { PanelProps } from "../types";
import { secretsText } from "./messages";
import { isSecretName, SECRET_NAMES } from "./names";
import { SecretCard } from "./SecretCard";
import "./secrets.css";

export default function SecretsPanel({ project }: PanelProps) {
  const t = useT(secretsText);
  const pid = project.id;
  const list = useLoad(() => unwrap(api.GET("/v1/projects/{pid}/secrets", { params: { path: { pid } } })), [pid]);
  // A failed reload keeps the cards (the last data) with the problem above them.
  if (!list.data) return list.problem ? <ProblemBanner problem={list.problem} /> : <Loading />;
  const byName = new Map(list.data.items.filter((s) => isSecretName(s.name)).map((s) => [s.name, s]));
  return (
    <div class="access-keys">
      <h2>{t("title")}</h2>
      <p class="muted">{t("intro")}</p>
      <ProblemBanner problem={list.problem} />
      {SECRET_NAMES.map((name) => {
        const info = byName.get(name);
        return info && <SecretCard key={name} pid={pid} name={name} info={info} onRotated={list.reload} />;
      })}
    </div>
  );
}
