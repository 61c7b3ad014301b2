// One page of keys: a row per key (its name opens the details), with checkboxes for
// bulk deletion when the person may delete.
import type { Key } from "../../api/client";
import { formatTime, useT } from "../../i18n";
import { Time } from "../../ui/components";
import { RemainingCell } from "../limits/LimitsView";
import { keysText } from "./messages";

export function KeysTable(props: {
  items: Key[];
  roleNames: ReadonlyMap<string, string>;
  /** External ids of identities, by id (an identity's key has no owner). */
  identityNames: ReadonlyMap<string, string>;
  busy: boolean;
  /** The checked key ids; undefined: no checkboxes (the person may not delete). */
  selected: ReadonlySet<string> | undefined;
  onSelect: (ids: string[], on: boolean) => void;
  onOpen: (key: Key) => void;
}) {
  const t = useT(keysText);
  const { items, selected } = props;
  const allChecked = selected !== undefined && items.length > 0 && items.every((key) => selected.has(key.id));
  return (
    <table class="keys-table" aria-busy={props.busy} aria-label={t("title")}>
      <thead>
        <tr>
          {selected && (
            <th scope="col">
              <input
                type="checkbox"
                aria-label={t("selectPage")}
                checked={allChecked}
                onChange={(e) => props.onSelect(items.map((key) => key.id), e.currentTarget.checked)}
              />
            </th>
          )}
          <th scope="col">{t("name")}</th>
          <th scope="col">{t("type")}</th>
          <th scope="col">{t("status")}</th>
          <th scope="col">{t("owner")}</th>
          <th scope="col">{t("role")}</th>
          <th scope="col">{t("hint")}</th>
          <th scope="col">{t("credits")}</th>
          <th scope="col">{t("created")}</th>
          <th scope="col">{t("expires")}</th>
          <th scope="col">{t("lastUsed")}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((key) => (
          <tr key={key.id} data-key-id={key.id}>
            {selected && (
              <td>
                <input
                  type="checkbox"
                  aria-label={t("select", { name: key.name })}
                  checked={selected.has(key.id)}
                  onChange={(e) => props.onSelect([key.id], e.currentTarget.checked)}
                />
              </td>
            )}
            <td class="keys-nowrap">
              <button type="button" class="link" onClick={() => props.onOpen(key)}>
                {key.name}
              </button>
            </td>
            <td>{t(`type.${key.type as "opaque" | "jwt" | "hmac"}`)}</td>
            <td class="keys-nowrap">
              <StatusBadge status={key.status} />
              {key.exposed_at && <LeakedBadge at={key.exposed_at} />}
            </td>
            <td class="keys-nowrap">
              <KeyOwnerName value={key} identityNames={props.identityNames} />
            </td>
            <td>{props.roleNames.get(key.role_id) ?? key.role_id}</td>
            <td class="keys-nowrap">
              <code>{key.hint}</code>
            </td>
            <td class="keys-num">
              <RemainingCell credits={key.credits} />
            </td>
            <td class="keys-when">
              <Time value={key.created_at} />
            </td>
            <td class="keys-when">{key.expires_at ? <Time value={key.expires_at} /> : <span class="muted">{t("noExpiry")}</span>}</td>
            <td class="keys-when">{key.last_used_at ? <Time value={key.last_used_at} /> : <span class="muted">{t("never")}</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A key's owner: the member's user id, or the identity's external id (its id if not loaded). */
export function KeyOwnerName({ value: key, identityNames }: { value: Key; identityNames: ReadonlyMap<string, string> }) {
  const t = useT(keysText);
  if (!key.identity_id) return <>{key.owner_id}</>;
  return (
    <>
      <span class="muted">{t("identity")}: </span>
      {identityNames.get(key.identity_id) ?? key.identity_id}
    </>
  );
}

export function StatusBadge({ status }: { status: Key["status"] }) {
  const t = useT(keysText);
  return <span class={`badge ${status}`}>{t(`status.${status}`)}</span>;
}

/** A key a leak report named (its project's leak action was taken then). */
export function LeakedBadge({ at }: { at: string }) {
  const t = useT(keysText);
  const when = t("leakedAt", { when: formatTime(at) });
  return (
    <span class="badge leaked" title={when}>
      {t("leaked")}
      <span class="sr-only"> ({when})</span>
    </span>
  );
}
