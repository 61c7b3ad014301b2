// A project: its name, the caller's role, and a tab per panel the role may see.
import type { ComponentType } from "preact";
import { lazy, useRoute } from "preact-iso";
import { allPages, api, type Project, unwrap } from "../api/client";
import { type Action, RIGHTS } from "../api/rights.gen";
import { consoleConfig } from "../auth/config";
import { session } from "../auth/session";
import { useT } from "../i18n";
import { Loading, ProblemBanner } from "../ui/components";
import { useLoad } from "../ui/hooks";
import { common } from "../ui/messages";
import { tabs } from "./messages";
import type { MemberRole, PanelProps } from "./types";

const DEFAULT_ADMIN_GROUP = "keywarden-admins";

interface Tab {
  id: "settings" | "secrets" | "keys" | "identities" | "templates" | "webhooks" | "usage" | "audit";
  /** The right a role needs to see the tab. */
  right: Action;
  component: ComponentType<PanelProps>;
}

const TABS: Tab[] = [
  { id: "keys", right: "request_keys", component: lazy(() => import("./keys/KeysPanel")) },
  { id: "identities", right: "manage_keys", component: lazy(() => import("./identities/IdentitiesPanel")) },
  { id: "templates", right: "read_project", component: lazy(() => import("./templates/TemplatesPanel")) },
  { id: "secrets", right: "manage_app_secrets", component: lazy(() => import("./secrets/SecretsPanel")) },
  { id: "usage", right: "read_project", component: lazy(() => import("./usage/UsagePanel")) },
  { id: "webhooks", right: "manage_webhooks", component: lazy(() => import("./webhooks/WebhooksPanel")) },
  { id: "audit", right: "read_audit", component: lazy(() => import("./audit/AuditPanel")) },
  { id: "settings", right: "read_project", component: lazy(() => import("./settings/SettingsPanel")) },
];

async function loadProject(pid: string): Promise<{ project: Project; role: MemberRole | null }> {
  const me = session.peek();
  const [project, config] = await Promise.all([
    unwrap(api.GET("/v1/projects/{pid}", { params: { path: { pid } } })),
    consoleConfig(),
  ]);
  const adminGroup = (config.auth === "oidc" && config.admin_group) || DEFAULT_ADMIN_GROUP;
  if (me?.groups.includes(adminGroup)) return { project, role: "owner" };
  const members = await allPages((cursor) =>
    api.GET("/v1/projects/{pid}/members", { params: { path: { pid }, query: { limit: 100, cursor } } }),
  );
  const mine = members.find((m) => m.user_id === me?.sub);
  return { project, role: (mine?.role as MemberRole | undefined) ?? null };
}

export default function ProjectPage() {
  const t = useT(tabs);
  const tc = useT(common);
  const { params } = useRoute();
  const pid = params.pid ?? "";
  const loaded = useLoad(() => loadProject(pid), [pid]);
  if (!loaded.data) {
    return (
      <main id="content" tabIndex={-1}>
        {loaded.problem ? <ProblemBanner problem={loaded.problem} /> : <Loading />}
      </main>
    );
  }
  const { project, role } = loaded.data;
  if (!role) {
    return (
      <main id="content" tabIndex={-1}>
        <p role="alert">{t("notMember")}</p>
      </main>
    );
  }
  const can = (action: Action) => (RIGHTS[action] as readonly string[]).includes(role);
  const visible = TABS.filter((tab) => can(tab.right));
  const asked = params.tab ? TABS.find((tab) => tab.id === params.tab) : undefined;
  // A link to a panel this role may not see says so, rather than opening another one.
  const refused = asked !== undefined && !visible.includes(asked);
  const active = refused ? undefined : (asked ?? visible[0]);
  const base = `${import.meta.env.BASE_URL}projects/${encodeURIComponent(pid)}`;
  const Panel = active?.component;
  return (
    <main id="content" tabIndex={-1} class="project">
      <div class="project-head">
        <h1 data-testid="project-name">{project.name}</h1>
        <span class="badge" data-testid="my-role">
          {t("yourRole", { role: t(`role.${role}`) })}
        </span>
      </div>
      <nav class="tabs" aria-label={project.name}>
        {visible.map((tab) => (
          <a key={tab.id} href={`${base}/${tab.id}`} aria-current={tab.id === active?.id ? "page" : undefined}>
            {t(tab.id)}
          </a>
        ))}
      </nav>
      <section class="panel" aria-label={active ? t(active.id) : undefined}>
        {refused && <p role="alert">{tc("forbiddenPanel")}</p>}
        {Panel && (
          <Panel
            key={`${pid}/${active?.id}`}
            project={project}
            me={session.value?.sub ?? ""}
            role={role}
            can={can}
            reloadProject={loaded.reload}
          />
        )}
      </section>
    </main>
  );
}
