// The project's nodes (the services keys are issued for): list, add, delete (manage_config).
import { useState } from "preact/hooks";
import { allPages, api, type ProjectNode, unwrap } from "../../api/client";
import { idempotencyHeaders } from "../../api/idempotency";
import { useT } from "../../i18n";
import { ConfirmDialog, Loading, ProblemBanner, Time } from "../../ui/components";
import { useAction, useLoad } from "../../ui/hooks";
import { common } from "../../ui/messages";
import type { PanelProps } from "../types";
import { settingsText } from "./messages";

type Kind = ProjectNode["kind"];
const KINDS: readonly Kind[] = ["input", "output", "other"];

export function NodesSection({ project, can }: PanelProps) {
  const t = useT(settingsText);
  const tc = useT(common);
  const pid = project.id;
  const nodes = useLoad(
    () => allPages((cursor) => api.GET("/v1/projects/{pid}/nodes", { params: { path: { pid }, query: { limit: 100, cursor } } })),
    [pid],
  );
  const [deleting, setDeleting] = useState<ProjectNode | null>(null);
  const remove = useAction(async (node: ProjectNode) => {
    await unwrap(api.DELETE("/v1/projects/{pid}/nodes/{node_id}", { params: { path: { pid, node_id: node.id } } }));
    setDeleting(null);
    nodes.reload();
  });
  const manage = can("manage_config");
  return (
    <section aria-labelledby="settings-nodes">
      <h2 id="settings-nodes">{t("nodes")}</h2>
      <p class="muted">{t("nodesHelp")}</p>
      <ProblemBanner problem={nodes.problem} />
      {!nodes.data ? (
        !nodes.problem && <Loading />
      ) : nodes.data.length === 0 ? (
        <p class="muted">{t("noNodes")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("name")}</th>
              <th scope="col">{t("kind")}</th>
              <th scope="col">{t("nodeId")}</th>
              <th scope="col">{t("createdAt")}</th>
              {manage && <th scope="col">{t("actions")}</th>}
            </tr>
          </thead>
          <tbody>
            {nodes.data.map((node) => (
              <tr key={node.id}>
                <td>{node.name}</td>
                <td>
                  <span class="badge">{t(`kind.${node.kind}`)}</span>
                </td>
                <td>
                  <code>{node.id}</code>
                </td>
                <td>
                  <Time value={node.created_at} />
                </td>
                {manage && (
                  <td>
                    <button
                      type="button"
                      aria-label={t("deleteNode", { name: node.name })}
                      onClick={() => {
                        remove.clear();
                        setDeleting(node);
                      }}
                    >
                      {tc("delete")}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && <AddNode pid={pid} onAdded={nodes.reload} />}
      {deleting && (
        <ConfirmDialog
          title={t("deleteNodeTitle", { name: deleting.name })}
          text={<p>{t("deleteNodeText")}</p>}
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

function AddNode(props: { pid: string; onAdded: () => void }) {
  const t = useT(settingsText);
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("input");
  // The form stays on the page: each node added starts a new idempotency scope, so adding
  // another node of the same name is a new node, while a retry of this one is not.
  const [scope, setScope] = useState(() => globalThis.crypto.randomUUID());
  const add = useAction(async () => {
    const body = { name, kind };
    const header = await idempotencyHeaders(scope, "create node", body);
    await unwrap(api.POST("/v1/projects/{pid}/nodes", { params: { path: { pid: props.pid }, header }, body }));
    setName("");
    setScope(globalThis.crypto.randomUUID());
    props.onAdded();
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void add.run();
      }}
    >
      <h3>{t("addNode")}</h3>
      <div class="filters">
        <label>
          {t("nodeName")}
          <input required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {t("kind")}
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" disabled={add.busy}>
          {t("addNode")}
        </button>
      </div>
      <ProblemBanner problem={add.problem} />
    </form>
  );
}
