// Every field of a key, read-only (the secret is never shown again), its limits and credits
// left included.
import type { Key } from "../../api/client";
import { useT } from "../../i18n";
import { Time } from "../../ui/components";
import { CreditsText, RateLimitsView } from "../limits/LimitsView";
import { limitsText } from "../limits/messages";
import { KeyOwnerName, LeakedBadge, StatusBadge } from "./KeysTable";
import { keysText } from "./messages";

export function KeyFacts(props: { value: Key; roleName: string | undefined; identityNames: ReadonlyMap<string, string> }) {
  const { value: key, roleName } = props;
  const t = useT(keysText);
  const tl = useT(limitsText);
  const meta = Object.keys(key.meta).length > 0 ? JSON.stringify(key.meta) : undefined;
  return (
    <dl class="keys-facts">
      <dt>{t("id")}</dt>
      <dd>
        <code>{key.id}</code>
      </dd>
      <dt>{t("type")}</dt>
      <dd>{t(`type.${key.type as "opaque" | "jwt" | "hmac"}`)}</dd>
      <dt>{t("status")}</dt>
      <dd data-testid="key-status">
        <StatusBadge status={key.status} />
        {key.exposed_at && <LeakedBadge at={key.exposed_at} />}
      </dd>
      <dt>{t("hint")}</dt>
      <dd>
        <code>{key.hint}</code>
      </dd>
      <dt>{t("description")}</dt>
      <dd>{key.description || <span class="muted">—</span>}</dd>
      <dt>{t("owner")}</dt>
      <dd data-testid="key-owner">
        <KeyOwnerName value={key} identityNames={props.identityNames} />
      </dd>
      <dt>{t("role")}</dt>
      <dd>{roleName ?? key.role_id}</dd>
      <dt>{t("permissions")}</dt>
      <dd>{key.permissions.length ? key.permissions.map((p) => <code key={p} class="keys-perm">{p}</code>) : <span class="muted">—</span>}</dd>
      <dt>{t("allowlist")}</dt>
      <dd data-testid="key-allowlist">
        {key.ip_allowlist.length ? key.ip_allowlist.map((cidr) => <code key={cidr} class="keys-perm">{cidr}</code>) : <span class="muted">{t("anywhere")}</span>}
      </dd>
      <dt>{tl("rateLimits")}</dt>
      <dd>
        <RateLimitsView limits={key.ratelimits} />
      </dd>
      <dt>{tl("credits")}</dt>
      <dd data-testid="key-credits">
        <CreditsText credits={key.credits} />
      </dd>
      <dt>{t("created")}</dt>
      <dd>
        <Time value={key.created_at} /> · {t("createdBy")}: {key.created_by}
      </dd>
      <dt>{t("expires")}</dt>
      <dd data-testid="key-expires">{key.expires_at ? <Time value={key.expires_at} /> : <span class="muted">{t("noExpiry")}</span>}</dd>
      <dt>{t("lastUsed")}</dt>
      <dd>{key.last_used_at ? <Time value={key.last_used_at} /> : <span class="muted">{t("never")}</span>}</dd>
      {key.exposed_at && (
        <>
          <dt>{t("exposedAt")}</dt>
          <dd data-testid="key-exposed">
            <Time value={key.exposed_at} />
          </dd>
        </>
      )}
      {key.revoked_at && (
        <>
          <dt>{t("revokedAt")}</dt>
          <dd>
            <Time value={key.revoked_at} />
          </dd>
        </>
      )}
      {key.template_id && (
        <>
          <dt>{t("template")}</dt>
          <dd>
            <code>{key.template_id}</code>
          </dd>
        </>
      )}
      {key.request_id && (
        <>
          <dt>{t("request")}</dt>
          <dd>
            <code>{key.request_id}</code>
          </dd>
        </>
      )}
      {meta && (
        <>
          <dt>{t("meta")}</dt>
          <dd>
            <code>{meta}</code>
          </dd>
        </>
      )}
    </dl>
  );
}
