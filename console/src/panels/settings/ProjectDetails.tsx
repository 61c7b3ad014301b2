// The project's name and description: a form for roles that may edit it, facts for the rest.
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { ProblemBanner, Time } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import type { PanelProps } from "../types";
import { settingsText } from "./messages";

export function ProjectDetails({ project, can, reloadProject }: PanelProps) {
  const t = useT(settingsText);
  return (
    <section aria-labelledby="settings-project">
      <h2 id="settings-project">{t("project")}</h2>
      <dl class="facts">
        <dt>{t("projectId")}</dt>
        <dd>
          <code>{project.id}</code>
        </dd>
        <dt>{t("createdAt")}</dt>
        <dd>
          <Time value={project.created_at} />
        </dd>
        <dt>{t("createdBy")}</dt>
        <dd>{project.created_by}</dd>
        {!can("edit_project") && (
          <>
            <dt>{t("name")}</dt>
            <dd>{project.name}</dd>
            <dt>{t("description")}</dt>
            <dd>{project.description || <span class="muted">{t("noDescription")}</span>}</dd>
          </>
        )}
      </dl>
      {can("edit_project") && (
        <EditProject pid={project.id} name={project.name} description={project.description} onSaved={reloadProject} />
      )}
    </section>
  );
}

function EditProject(props: { pid: string; name: string; description: string; onSaved: () => void }) {
  const t = useT(settingsText);
  const [name, setName] = useState(props.name);
  const [description, setDescription] = useState(props.description);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    await unwrap(api.PATCH("/v1/projects/{pid}", { params: { path: { pid: props.pid } }, body: { name, description } }));
    setSaved(true);
    props.onSaved();
  });
  const changed = name !== props.name || description !== props.description;
  return (
    <form
      class="settings-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save.run();
      }}
    >
      <label>
        {t("name")}
        <input
          required
          maxLength={128}
          value={name}
          onInput={(e) => {
            setName(e.currentTarget.value);
            setSaved(false);
          }}
        />
      </label>
      <label>
        {t("description")}
        <input
          maxLength={1024}
          value={description}
          onInput={(e) => {
            setDescription(e.currentTarget.value);
            setSaved(false);
          }}
        />
      </label>
      <ProblemBanner problem={save.problem} />
      <div class="actions">
        {saved && !changed && (
          <span class="muted" role="status">
            {t("saved")}
          </span>
        )}
        <button type="submit" class="primary" disabled={save.busy || !changed}>
          {t("saveProject")}
        </button>
      </div>
    </form>
  );
}
