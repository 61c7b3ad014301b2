// What the key policy's parts share: its leak actions, the rules' names as the contract has
// them, and IP allowlists as a person types them (one entry per line) and as the service
// names a bad entry (`ip_allowlist[i]`, the i-th entry sent).
import type { KeyPolicy, Schemas } from "../../api/client";
import type { ApiProblem } from "../../api/problem";
import type { PolicyRule } from "../../ui/messages";

export type LeakAction = KeyPolicy["leak_action"];
export const LEAK_ACTIONS: readonly LeakAction[] = ["revoke", "disable", "notify"];

// A rule the contract adds without a label in ui/messages.ts fails tsc here (a person would
// read its bare name in a refusal).
type ContractRule = Schemas["PolicyBreach"]["rules"][number];
type Labelled = [Exclude<ContractRule, PolicyRule>] extends [never] ? true : never;
export const rulesLabelled: Labelled = true;

/** An allowlist as typed: its entries (trimmed, blank lines left out) and the line (from 1) of each. */
export interface TypedAllowlist {
  entries: string[];
  lines: number[];
}

export function parseAllowlist(text: string): TypedAllowlist {
  const entries: string[] = [];
  const lines: number[] = [];
  text.split("\n").forEach((line, index) => {
    const entry = line.trim();
    if (entry) {
      entries.push(entry);
      lines.push(index + 1);
    }
  });
  return { entries, lines };
}

export function allowlistText(list: readonly string[]): string {
  return list.join("\n");
}

/** Whether a problem's field is about the allowlist (the whole list, or one entry). */
export function isAllowlistField(field: string): boolean {
  return field === "ip_allowlist" || field.startsWith("ip_allowlist[");
}

export interface LineError {
  line: number;
  entry: string;
  message: string;
}

/**
 * The service's errors about an allowlist sent as `typed`: those naming an entry, at its
 * line; those about the whole list (too many entries), as they are.
 */
export function allowlistErrors(problem: ApiProblem | undefined, typed: TypedAllowlist): { lines: LineError[]; whole: string[] } {
  const lines: LineError[] = [];
  const whole: string[] = [];
  for (const error of problem?.errors ?? []) {
    if (!isAllowlistField(error.field)) continue;
    const index = /^ip_allowlist\[(\d+)\]/.exec(error.field)?.[1];
    const at = index === undefined ? undefined : Number(index);
    if (at !== undefined && at < typed.entries.length) {
      lines.push({ line: typed.lines[at] ?? at + 1, entry: typed.entries[at] ?? "", message: error.message });
    } else {
      whole.push(error.message);
    }
  }
  return { lines, whole };
}
