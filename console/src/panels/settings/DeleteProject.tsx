// Deleting the project (owner only): the person types its name, then goes back to the list.
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ConfirmDialog } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import type { PanelProps } from "../types";
import { settingsText } from "./messages";

export function DeleteProject({ project }: PanelProps) {
  const t = useT(settingsText);
  const location = useLocation();
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(async () => {
    await unwrap(api.DELETE("/v1/projects/{pid}", { params: { path: { pid: project.id } } }));
    location.route(import.meta.env.BASE_URL);
  });
  return (
    <section class="danger-zone" aria-labelledby="settings-danger">
      <h2 id="settings-danger">{t("dangerZone")}</h2>
      <p>{t("deleteProjectHelp")}</p>
      <button
        type="button"
        class="danger"
        onClick={() => {
          remove.clear();
          setConfirming(true);
        }}
      >
        {t("deleteProject")}
      </button>
      {confirming && (
        <ConfirmDialog
          title={t("deleteProjectTitle", { name: project.name })}
          text={<p>{t("deleteProjectText")}</p>}
          confirmLabel={t("deleteProject")}
          word={project.name}
          busy={remove.busy}
          problem={remove.problem}
          onConfirm={() => void remove.run()}
          onClose={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
