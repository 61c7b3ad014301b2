// The project's audit trail (owners, admins): time, actor, action, target and details,
// newest first, paged by cursor. The API takes no filters, so the action and actor
// filters narrow the events loaded so far (and say so).
import { useState } from "preact/hooks";
import { api, type AuditEvent, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { Loading, More, ProblemBanner, Time } from "../../ui/components";
import type { PanelProps } from "../types";
import { usePages } from "../../ui/usePages";
import { auditText } from "./messages";
import "./audit.css";

export default function AuditPanel({ project }: PanelProps) {
  const t = useT(auditText);
  const pid = project.id;
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");
  const events = usePages(
    (cursor) => unwrap(api.GET("/v1/projects/{pid}/audit-events", { params: { path: { pid }, query: { limit: 50, cursor } } })),
    [pid],
  );
  const loaded = events.items ?? [];
  const actions = [...new Set(loaded.map((e) => e.action))].sort();
  const needle = actor.trim().toLowerCase();
  const shown = loaded.filter((e) => (!action || e.action === action) && (!needle || e.actor.toLowerCase().includes(needle)));
  const filtered = Boolean(action || needle);
  return (
    <div class="audit">
      <h2>{t("title")}</h2>
      <p class="muted">{t("intro")}</p>
      <div class="filters" role="search">
        <label>
          {t("action")}
          <select value={action} onChange={(e) => setAction(e.currentTarget.value)}>
            <option value="">{t("allActions")}</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("actorFilter")}
          <input type="search" value={actor} onInput={(e) => setActor(e.currentTarget.value)} />
        </label>
        {filtered && (
          <button
            type="button"
            onClick={() => {
              setAction("");
              setActor("");
            }}
          >
            {t("clear")}
          </button>
        )}
      </div>
      <p class="muted small">{t("filterNote")}</p>
      <ProblemBanner problem={events.problem ?? events.more.problem} />
      {!events.items && !events.problem && <Loading />}
      {events.items && (
        <p class="muted" role="status" data-testid="audit-count">
          {filtered ? t("shownOf", { shown: shown.length, count: loaded.length }) : t("shown", { count: loaded.length })}
        </p>
      )}
      {events.items?.length === 0 && <p class="muted">{t("empty")}</p>}
      {loaded.length > 0 && shown.length === 0 && <p class="muted">{t("noMatch")}</p>}
      {shown.length > 0 && <EventTable events={shown} />}
      <More cursor={events.cursor} busy={events.more.busy} onMore={() => events.cursor && void events.more.run(events.cursor)} />
    </div>
  );
}

function EventTable({ events }: { events: AuditEvent[] }) {
  const t = useT(auditText);
  return (
    <table class="audit-events">
      <thead>
        <tr>
          <th scope="col">{t("time")}</th>
          <th scope="col">{t("actor")}</th>
          <th scope="col">{t("action")}</th>
          <th scope="col">{t("target")}</th>
          <th scope="col">{t("details")}</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.id} data-testid="audit-event">
            <td class="nowrap">
              <Time value={event.at} />
            </td>
            <td>{event.actor}</td>
            <td>
              <code>{event.action}</code>
            </td>
            <td>
              <span class="muted">{event.target.type}</span> <code>{event.target.id}</code>
            </td>
            <td>
              <Details details={event.details as Record<string, unknown>} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Details({ details }: { details: Record<string, unknown> }) {
  const entries = Object.entries(details);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <dl class="details">
      {entries.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{shownValue(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function shownValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v !== "object")) return value.join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
