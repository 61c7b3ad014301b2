// The project's settings: its name and description, members, roles, nodes, the key policy,
// and deletion.
// Each section shows its edit controls only to roles that may use them.
import { KeyPolicySection } from "../policy/KeyPolicySection";
import type { PanelProps } from "../types";
import { DeleteProject } from "./DeleteProject";
import { MembersSection } from "./MembersSection";
import { NodesSection } from "./NodesSection";
import { ProjectDetails } from "./ProjectDetails";
import { RolesSection } from "./RolesSection";
import "./settings.css";

export default function SettingsPanel(props: PanelProps) {
  return (
    <div class="settings">
      <ProjectDetails {...props} />
      <MembersSection {...props} />
      <RolesSection {...props} />
      <NodesSection {...props} />
      <KeyPolicySection {...props} />
      {props.can("delete_project") && <DeleteProject {...props} />}
    </div>
  );
}
