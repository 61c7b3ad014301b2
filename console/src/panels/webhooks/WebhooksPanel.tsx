import type { PanelProps } from "../types";

// Stub: the panel is being built.
export default function WebhooksPanel(_props: PanelProps) {
  return <p>WebhooksPanel</p>;
}
