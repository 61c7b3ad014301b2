import type { PanelProps } from "../types";

// Stub: the panel is being built.
export default function TemplatesPanel(_props: PanelProps) {
  return <p>TemplatesPanel</p>;
}
