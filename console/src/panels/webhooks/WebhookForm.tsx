// Adding an endpoint (url, events, description) or changing one.
import { useState } from "preact/hooks";
import { api, type Webhook, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { useT } from "../../i18n";
import { Dialog, ProblemBanner } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { EVENTS, type EventType } from "./events";
import { webhooksText } from "./messages";

export interface Created {
  webhook: Webhook;
  secret: string;
}

export function WebhookForm(props: {
  pid: string;
  /** The endpoint to change; none adds a new one. */
  editing?: Webhook;
  onClose: () => void;
  onCreated: (created: Created) => void;
  onSaved: (webhook: Webhook) => void;
}) {
  const t = useT(webhooksText);
  const tc = useT(common);
  const { editing, pid } = props;
  const [url, setUrl] = useState(editing?.url ?? "");
  const [events, setEvents] = useState<EventType[]>(editing?.events ?? []);
  const [description, setDescription] = useState(editing?.description ?? "");
  const scope = useIdempotencyScope();
  const save = useAction(async () => {
    const body = { url, events, description: singleLine(description) };
    if (editing) {
      // PATCH takes no Idempotency-Key: the same change applied twice is the same state.
      const path = { pid, webhook_id: editing.id };
      props.onSaved(await unwrap(api.PATCH("/v1/projects/{pid}/webhooks/{webhook_id}", { params: { path }, body })));
    } else {
      const header = await idempotencyHeaders(scope, "add webhook", body);
      props.onCreated(await unwrap(api.POST("/v1/projects/{pid}/webhooks", { params: { path: { pid }, header }, body })));
    }
  });
  const toggle = (event: EventType, on: boolean) =>
    setEvents((previous) => (on ? EVENTS.filter((e) => e === event || previous.includes(e)) : previous.filter((e) => e !== event)));
  return (
    <Dialog title={editing ? t("editTitle") : t("create")} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (events.length > 0) void save.run();
        }}
      >
        <label>
          {t("url")}
          <input type="url" required value={url} placeholder="https://hooks.example.com/keywarden" onInput={(e) => setUrl(e.currentTarget.value)} />
        </label>
        <fieldset class="webhook-events">
          <legend>{t("events")}</legend>
          {EVENTS.map((event) => (
            <label key={event} class="inline">
              <input type="checkbox" checked={events.includes(event)} onChange={(e) => toggle(event, e.currentTarget.checked)} />
              <code>{event}</code>
              <span class="muted">{t(`event.${event}`)}</span>
            </label>
          ))}
          {events.length === 0 && <p class="muted">{t("pickEvents")}</p>}
        </fieldset>
        <label>
          {t("description")}
          <input maxLength={1024} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <ProblemBanner problem={save.problem} />
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            {tc("cancel")}
          </button>
          <button type="submit" class="primary" disabled={save.busy || events.length === 0}>
            {editing ? t("save") : t("create")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** A description is one line (the contract refuses control characters): pasted ones become spaces. */
export function singleLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ");
}
