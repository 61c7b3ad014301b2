// Tells the people looking at the keys that some of the listed keys that still exist (active
// or disabled) were found in public, what the project's leak action did to them, and what
// to do now. Each name opens the key.
import { useId } from "preact/hooks";
import { api, type Key, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { useLoad } from "../../ui/hooks";
import { keysText } from "./messages";

const RECENT_MS = 30 * 86_400_000;

/** Listed keys a leak report named that still exist (active or disabled), and those its
 * report revoked in the last 30 days: their owners are told too. */
export function exposedLive(items: readonly Key[] | undefined, now: number = Date.now()): Key[] {
  return (items ?? []).filter(
    (key) =>
      key.exposed_at &&
      (key.status === "active" ||
        key.status === "disabled" ||
        (key.exposed_action === "revoke" && now - Date.parse(key.exposed_at) < RECENT_MS)),
  );
}

export function LeakNotice(props: { pid: string; items: Key[] | undefined; canManage: boolean; onOpen: (key: Key) => void }) {
  const exposed = exposedLive(props.items);
  if (exposed.length === 0) return null;
  return <Notice {...props} exposed={exposed} />;
}

function Notice(props: { pid: string; exposed: Key[]; canManage: boolean; onOpen: (key: Key) => void }) {
  const t = useT(keysText);
  const titleId = useId();
  // The action the project takes on a leaked key (every member may read the policy).
  const policy = useLoad(() => unwrap(api.GET("/v1/projects/{pid}/key-policy", { params: { path: { pid: props.pid } } })), [props.pid]);
  // What was done to them (each key says); the project's current action when they differ.
  const taken = new Set(props.exposed.map((key) => key.exposed_action).filter(Boolean));
  const action = taken.size === 1 ? [...taken][0] : policy.data?.leak_action;
  return (
    <section class="warning keys-leaks" aria-labelledby={titleId} data-testid="leak-notice">
      <h3 id={titleId}>{t("leakTitle")}</h3>
      <p>
        {t("leakCount", { count: props.exposed.length })} {action && t("leakAction", { action: t(`leakDone.${action}`) })}
      </p>
      <ul>
        {props.exposed.map((key) => (
          <li key={key.id}>
            <button type="button" class="link" onClick={() => props.onOpen(key)}>
              {key.name}
            </button>
          </li>
        ))}
      </ul>
      <p>{t(props.canManage ? "leakAdvice" : "leakAdviceOwn")}</p>
    </section>
  );
}
