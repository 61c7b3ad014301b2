import type { PanelProps } from "../types";

// Stub: the panel is being built.
export default function AuditPanel(_props: PanelProps) {
  return <p>AuditPanel</p>;
}
