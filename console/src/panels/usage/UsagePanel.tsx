import type { PanelProps } from "../types";

// Stub: the panel is being built.
export default function UsagePanel(_props: PanelProps) {
  return <p>UsagePanel</p>;
}
