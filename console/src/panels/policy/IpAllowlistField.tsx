// A key's IP allowlist as a person types it: one address or network per line, numbered in
// a gutter. When the service refuses an entry (`ip_allowlist[i]`), its line is marked in the
// gutter and the error is written under the field with the line it is on, until the list is
// edited again (then the line numbers may no longer hold).
import { useId, useRef, useState } from "preact/hooks";
import type { ApiProblem } from "../../api/problem";
import { useT } from "../../i18n";
import { policyText } from "./messages";
import { allowlistErrors, parseAllowlist } from "./model";
import "./policy.css";

const MIN_ROWS = 3;
const MAX_ROWS = 12;

export function IpAllowlistField(props: { value: string; onChange: (text: string) => void; problem: ApiProblem | undefined }) {
  const t = useT(policyText);
  const fieldId = useId();
  const helpId = useId();
  const errorId = useId();
  const gutter = useRef<HTMLDivElement>(null);
  // The problem the person has edited the list after: its errors no longer point at lines.
  const [editedAfter, setEditedAfter] = useState<ApiProblem | undefined>();
  const current = props.problem !== editedAfter ? props.problem : undefined;
  const { lines, whole } = allowlistErrors(current, parseAllowlist(props.value));
  const invalid = lines.length + whole.length > 0;
  const bad = new Set(lines.map((error) => error.line));
  const count = props.value.split("\n").length;
  return (
    <>
      <label for={fieldId}>{t("allowlist")}</label>
      <div class="allowlist-editor">
        <div class="allowlist-gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: count }, (_, index) => (
            <div key={index} class={bad.has(index + 1) ? "bad" : undefined}>
              {index + 1}
            </div>
          ))}
        </div>
        <textarea
          id={fieldId}
          rows={Math.min(Math.max(count, MIN_ROWS), MAX_ROWS)}
          wrap="off"
          spellcheck={false}
          autoComplete="off"
          class="mono"
          value={props.value}
          aria-invalid={invalid}
          aria-describedby={invalid ? `${helpId} ${errorId}` : helpId}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
          onInput={(e) => {
            setEditedAfter(props.problem);
            props.onChange(e.currentTarget.value);
          }}
        />
      </div>
      <p id={helpId} class="muted allowlist-help">
        {t("allowlistHelp")}
      </p>
      {invalid && (
        <ul id={errorId} class="field-error allowlist-errors" data-testid="allowlist-errors">
          {lines.map((error) => (
            <li key={`${error.line}/${error.message}`} data-line={error.line}>
              {t("allowlistLine", { line: error.line, entry: error.entry, message: error.message })}
            </li>
          ))}
          {whole.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
    </>
  );
}
