// "Create new → Change": replaces a secret after the person confirms it's them (step-up),
// with an optional grace period and, for the secure key, an optional import of VK's key.
// The new value is shown once, in this dialog only: Escape does not close it, and the page
// reloads the secrets only after the person closes it (`onClose(rotated)`), so a failed
// reload cannot take the value away (with no grace period the old one has already stopped).
import { useId, useState } from "preact/hooks";
import type { ApiProblem } from "../../api/problem";
import { api, type Schemas, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { withStepUp } from "../../auth/stepup";
import { formatTime, useT } from "../../i18n";
import { Dialog, ProblemBanner, SecretValue } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { common } from "../../ui/messages";
import { secretsText } from "./messages";
import { IMPORTABLE_KEY, type SecretName } from "./names";

type Rotate = Schemas["SecretRotate"];
type Rotated = Schemas["SecretRotated"];

/** `onClose(true)` once a new value was made: the caller reloads the secrets then, not before. */
export function RotateDialog(props: { pid: string; name: SecretName; onClose: (rotated: boolean) => void }) {
  const t = useT(secretsText);
  const [rotated, setRotated] = useState<Rotated | null>(null);
  const scope = useIdempotencyScope();
  const rotate = useAction(async (body: Rotate) => {
    const path = { pid: props.pid, name: props.name };
    const header = await idempotencyHeaders(scope, `rotate ${props.name}`, body);
    const result = await withStepUp(() =>
      unwrap(api.POST("/v1/projects/{pid}/secrets/{name}/rotate", { params: { path, header }, body })),
    );
    setRotated(result);
  });
  const close = () => props.onClose(rotated !== null);
  return (
    // While the change runs or its result is on screen, Escape must not drop the new value.
    <Dialog title={t(`rotateTitle.${props.name}`)} onClose={close} keepOnEscape={rotated !== null || rotate.busy} wide>
      {rotated ? (
        <>
          <SecretValue label={t(`newValue.${props.name}`)} value={rotated.value} once testId={`${props.name}-new-value`} />
          <p data-testid="previous-valid-until">
            {rotated.previous_valid_until
              ? t("previousUntil", { time: formatTime(rotated.previous_valid_until) })
              : t("previousStopped")}
          </p>
          <div class="actions">
            <button type="button" class="primary" onClick={close}>
              {t("done")}
            </button>
          </div>
        </>
      ) : (
        <RotateForm
          name={props.name}
          busy={rotate.busy}
          problem={rotate.problem}
          onSubmit={(body) => void rotate.run(body)}
          onCancel={close}
        />
      )}
    </Dialog>
  );
}

const GRACE_CHOICES = [0, 3600, 86400, 604800] as const;
type Grace = (typeof GRACE_CHOICES)[number];

function RotateForm(props: {
  name: SecretName;
  busy: boolean;
  problem: ApiProblem | undefined;
  onSubmit: (body: Rotate) => void;
  onCancel: () => void;
}) {
  const t = useT(secretsText);
  const tc = useT(common);
  const [grace, setGrace] = useState<Grace>(0);
  const [importing, setImporting] = useState(false);
  const [value, setValue] = useState("");
  const helpId = useId();
  const importable = props.name === "secure_key";
  const badImport = importing && value !== "" && !IMPORTABLE_KEY.test(value);
  const ready = !importing || IMPORTABLE_KEY.test(value);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (ready) props.onSubmit(importing ? { grace_seconds: grace, value } : { grace_seconds: grace });
      }}
    >
      <p>{t("rotateText")}</p>
      <label>
        {t("grace")}
        <select value={String(grace)} onChange={(e) => setGrace(Number(e.currentTarget.value) as Grace)}>
          {GRACE_CHOICES.map((seconds) => (
            <option key={seconds} value={String(seconds)}>
              {t(`grace.${seconds}`)}
            </option>
          ))}
        </select>
      </label>
      {importable && (
        <label class="inline">
          <input type="checkbox" checked={importing} onChange={(e) => setImporting(e.currentTarget.checked)} />
          {t("importExisting")}
        </label>
      )}
      {importing && (
        <>
          <label>
            {t("importValue")}
            <input
              value={value}
              autoComplete="off"
              spellcheck={false}
              aria-invalid={badImport}
              aria-describedby={helpId}
              onInput={(e) => setValue(e.currentTarget.value)}
            />
          </label>
          <p id={helpId} class={badImport ? "field-error" : "muted"} role={badImport ? "alert" : undefined}>
            {badImport ? t("importInvalid") : t("importHelp")}
          </p>
        </>
      )}
      <ProblemBanner problem={props.problem} />
      <div class="actions">
        <button type="button" disabled={props.busy} onClick={props.onCancel}>
          {tc("cancel")}
        </button>
        <button type="submit" class="danger" disabled={props.busy || !ready}>
          {t("change")}
        </button>
      </div>
    </form>
  );
}
