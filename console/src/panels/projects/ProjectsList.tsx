// The projects the signed-in person belongs to, and creating one.
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, type Project, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { useT } from "../../i18n";
import { Dialog, Loading, More, ProblemBanner, Time } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { usePages } from "../../ui/usePages";
import { common } from "../../ui/messages";
import { projectsText } from "./messages";

export default function ProjectsList() {
  const t = useT(projectsText);
  const location = useLocation();
  const [creating, setCreating] = useState(false);
  const projects = usePages(
    (cursor) => unwrap(api.GET("/v1/projects", { params: { query: { limit: 50, cursor } } })),
    [],
  );
  const { items, cursor, more } = projects;
  if (!items) {
    return (
      <main id="content" tabIndex={-1}>
        {projects.problem ? <ProblemBanner problem={projects.problem} /> : <Loading />}
      </main>
    );
  }
  const open = (project: Project) => location.route(`${import.meta.env.BASE_URL}projects/${encodeURIComponent(project.id)}`);
  return (
    <main id="content" tabIndex={-1}>
      <div class="panel-head">
        <h1>{t("title")}</h1>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          {t("create")}
        </button>
      </div>
      {items.length === 0 ? (
        <p class="muted">{t("empty")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("name")}</th>
              <th scope="col">{t("description")}</th>
              <th scope="col">{t("created")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((project) => (
              <tr key={project.id}>
                <td>
                  <a href={`${import.meta.env.BASE_URL}projects/${encodeURIComponent(project.id)}`}>{project.name}</a>
                </td>
                <td>{project.description}</td>
                <td>
                  <Time value={project.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <More cursor={cursor} busy={more.busy} onMore={() => cursor && void more.run(cursor)} />
      <ProblemBanner problem={more.problem} />
      {creating && <CreateProject onClose={() => setCreating(false)} onCreated={open} />}
    </main>
  );
}

function CreateProject(props: { onClose: () => void; onCreated: (project: Project) => void }) {
  const t = useT(projectsText);
  const tc = useT(common);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const scope = useIdempotencyScope();
  const create = useAction(async () => {
    const body = { name, description };
    const header = await idempotencyHeaders(scope, "create project", body);
    const project = await unwrap(api.POST("/v1/projects", { body, params: { header } }));
    props.onCreated(project);
  });
  return (
    <Dialog title={t("create")} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void create.run();
        }}
      >
        <label>
          {t("name")}
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {t("description")}
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <ProblemBanner problem={create.problem} />
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            {tc("cancel")}
          </button>
          <button type="submit" class="primary" disabled={create.busy}>
            {t("create")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
