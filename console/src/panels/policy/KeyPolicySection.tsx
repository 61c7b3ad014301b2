// The project's key policy in Settings: owners and admins change it and act on the keys
// that break it; every other member reads it (it says what keys they may get).
import { useState } from "preact/hooks";
import { api, type KeyPolicy, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { Loading, ProblemBanner } from "../../ui/components";
import { useLoad } from "../../ui/hooks";
import { keysText } from "../keys/messages";
import type { PanelProps } from "../types";
import { KeyPolicyForm } from "./KeyPolicyForm";
import { policyText } from "./messages";
import { PolicyReport } from "./PolicyReport";
import "./policy.css";

export function KeyPolicySection({ project, can }: PanelProps) {
  const t = useT(policyText);
  const pid = project.id;
  const policy = useLoad(() => unwrap(api.GET("/v1/projects/{pid}/key-policy", { params: { path: { pid } } })), [pid]);
  // Bumped by each save: the report judges the keys by the policy just saved.
  const [version, setVersion] = useState(0);
  const manage = can("manage_keys");
  return (
    <section class="key-policy" aria-labelledby="settings-key-policy">
      <h2 id="settings-key-policy">{t("title")}</h2>
      <p class="muted">{t(manage ? "intro" : "introReader")}</p>
      <ProblemBanner problem={policy.problem} />
      {!policy.data ? (
        !policy.problem && <Loading />
      ) : manage ? (
        <KeyPolicyForm pid={pid} value={policy.data} onSaved={() => setVersion((v) => v + 1)} />
      ) : (
        <KeyPolicyFacts value={policy.data} />
      )}
      {manage && <PolicyReport pid={pid} version={version} />}
    </section>
  );
}

/** The policy, read-only. */
function KeyPolicyFacts({ value: policy }: { value: KeyPolicy }) {
  const t = useT(policyText);
  const tk = useT(keysText);
  const yesNo = (on: boolean) => t(on ? "yes" : "no");
  return (
    <dl class="facts" data-testid="key-policy-facts">
      <dt>{t("maxLifetime")}</dt>
      <dd>{policy.max_lifetime_days === null ? t("noLimit") : t("days", { count: policy.max_lifetime_days })}</dd>
      <dt>{t("requireExpiry")}</dt>
      <dd>{yesNo(policy.require_expiry)}</dd>
      <dt>{t("allowedTypes")}</dt>
      <dd>{policy.allowed_types === null ? t("everyType") : policy.allowed_types.map((type) => tk(`type.${type}`)).join(", ")}</dd>
      <dt>{t("forbidWildcards")}</dt>
      <dd>{yesNo(policy.forbid_wildcard_permissions)}</dd>
      <dt>{t("requireAllowlist")}</dt>
      <dd>{yesNo(policy.require_ip_allowlist)}</dd>
      <dt>{t("leakAction")}</dt>
      <dd>{t(`leak.${policy.leak_action}`)}</dd>
    </dl>
  );
}
