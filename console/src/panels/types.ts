import type { Project } from "../api/client";
import type { Action } from "../api/rights.gen";

export type MemberRole = "owner" | "admin" | "editor" | "developer" | "viewer";

/** What every project panel gets: the project, who is looking, and what their role may do. */
export interface PanelProps {
  project: Project;
  /** The signed-in person's user id. */
  me: string;
  role: MemberRole;
  can: (action: Action) => boolean;
  /** Reloads the project (after a rename, say). */
  reloadProject: () => void;
}
