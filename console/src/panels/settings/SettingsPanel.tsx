import type { PanelProps } from "../types";

// Stub: the panel is being built.
export default function SettingsPanel(_props: PanelProps) {
  return <p>SettingsPanel</p>;
}
