import type { PanelProps } from "../types";

// Stub: the panel is being built.
export default function SecretsPanel(_props: PanelProps) {
  return <p>SecretsPanel</p>;
}
