// Shared pieces of every panel: dialogs, the problem banner, secrets shown once, times.
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import type { ApiProblem } from "../api/problem";
import { formatTime, useT } from "../i18n";
import { common, type PolicyRule, policyRules, problemTitles } from "./messages";

/**
 * A problem as the person reads it: a title in their language by its code, the service's
 * detail after it (unless it only repeats the field errors listed below it). A key policy's
 * refusal names each rule broken in the person's language. `shownAtFields` leaves out the
 * errors a form already shows beside their fields.
 */
export function ProblemBanner({ problem, shownAtFields }: { problem: ApiProblem | undefined; shownAtFields?: (field: string) => boolean }) {
  const titles = useT(problemTitles);
  const rules = useT(policyRules);
  const t = useT(common);
  if (!problem) return null;
  const known = problem.code in problemTitles.en;
  const title = known ? titles(problem.code as keyof typeof problemTitles.en) : problem.message || t("error");
  const listed = problem.errors.filter((e) => !shownAtFields?.(e.field));
  const repeated = problem.errors.length > 0 && problem.detail === problem.errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  const rule = (field: string) => (problem.code === "policy_violation" && field in policyRules.en ? rules(field as PolicyRule) : undefined);
  return (
    <div class="problem" role="alert" data-code={problem.code}>
      <strong>{title}</strong>
      {problem.detail && !repeated && <span> {problem.detail}</span>}
      {listed.length > 0 && (
        <ul>
          {listed.map((e) => (
            <li key={e.field + e.message} data-field={e.field}>
              {rule(e.field) ? (
                <>
                  <strong>{rule(e.field)}</strong> (<code>{e.field}</code>): {e.message}
                </>
              ) : (
                <>
                  <code>{e.field}</code>: {e.message}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading() {
  const t = useT(common);
  return (
    <p class="muted" aria-busy="true">
      {t("loading")}
    </p>
  );
}

/**
 * A modal dialog (the native <dialog>: focus trapped, Escape closes unless `keepOnEscape`,
 * for a dialog holding a secret shown once). When it closes, focus goes back to what
 * opened it or, if that is gone (its row was deleted), to the page's main content.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
  keepOnEscape?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const keepOnEscape = useRef(props.keepOnEscape);
  keepOnEscape.current = props.keepOnEscape;
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    // Chromium closes a modal <dialog> on a second Escape even when the first one's cancel
    // was prevented; a dialog that must stay (a secret shown once) opens again at once.
    const reopen = () => {
      if (keepOnEscape.current && dialog?.isConnected && !dialog.open) dialog.showModal();
    };
    dialog?.addEventListener("close", reopen);
    return () => {
      dialog?.removeEventListener("close", reopen);
      dialog?.close();
      const target = opener?.isConnected ? opener : document.getElementById("content");
      target?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={props.wide ? "wide" : undefined}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!props.keepOnEscape) props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/**
 * Asks before a destructive action; with `word`, the person must type it (GitHub's
 * "type the name to confirm").
 */
export function ConfirmDialog(props: {
  title: string;
  text: ComponentChildren;
  confirmLabel: string;
  word?: string;
  busy?: boolean;
  problem?: ApiProblem | undefined;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const t = useT(common);
  const [typed, setTyped] = useState("");
  const ready = props.word === undefined || typed === props.word;
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (ready) props.onConfirm();
        }}
      >
        <div>{props.text}</div>
        {props.word !== undefined && (
          <label>
            {t("typeToConfirm", { word: props.word })}
            <input
              value={typed}
              onInput={(e) => setTyped(e.currentTarget.value)}
              autoComplete="off"
              spellcheck={false}
              data-testid="confirm-word"
            />
          </label>
        )}
        <ProblemBanner problem={props.problem} />
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            {t("cancel")}
          </button>
          <button type="submit" class="danger" disabled={!ready || props.busy}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * A secret on screen, with a copy button. It lives only in the component's state: when the
 * person leaves the panel or closes the dialog, it is gone from the page.
 */
export function SecretValue(props: { label: string; value: string; once?: boolean; testId?: string }) {
  const t = useT(common);
  const [copy, setCopy] = useState<"idle" | "copied" | "failed">("idle");
  const labelId = useId();
  useEffect(() => {
    if (copy !== "copied") return;
    const timer = setTimeout(() => setCopy("idle"), 2000);
    return () => clearTimeout(timer);
  }, [copy]);
  const copyValue = () => {
    const clipboard = globalThis.navigator?.clipboard;
    if (!clipboard) {
      setCopy("failed");
      return;
    }
    clipboard.writeText(props.value).then(
      () => setCopy("copied"),
      () => setCopy("failed"),
    );
  };
  return (
    <div class="secret" role="group" aria-labelledby={labelId}>
      <span id={labelId} class="secret-label">
        {props.label}
      </span>
      <code data-testid={props.testId ?? "secret-value"}>{props.value}</code>
      <button type="button" aria-describedby={labelId} onClick={copyValue}>
        {copy === "copied" ? t("copied") : t("copy")}
      </button>
      {copy === "failed" && (
        <p class="warning" role="status">
          {t("copyFailed")}
        </p>
      )}
      {props.once && (
        <p class="warning" role="note">
          {t("secretOnce")}
        </p>
      )}
    </div>
  );
}

export function Time({ value }: { value: string | null | undefined }) {
  return value ? <time dateTime={value}>{formatTime(value)}</time> : <span class="muted">—</span>;
}

/** The "Load more" button of a cursor-paged list (`label` when the list says it otherwise). */
export function More(props: { cursor: string | null | undefined; busy?: boolean; onMore: () => void; label?: string }) {
  const t = useT(common);
  if (!props.cursor) return null;
  return (
    <button type="button" class="more" disabled={props.busy} onClick={props.onMore}>
      {props.label ?? t("more")}
    </button>
  );
}
