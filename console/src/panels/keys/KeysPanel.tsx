import type { PanelProps } from "../types";

// Stub: the panel is being built.
export default function KeysPanel(_props: PanelProps) {
  return <p>KeysPanel</p>;
}
