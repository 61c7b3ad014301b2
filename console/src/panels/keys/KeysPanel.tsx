// The project's API keys, one page at a time: filters, Next/Previous through the
// contract's cursors, checkboxes for bulk deletion, and the create and details dialogs.
// People without `manage_keys` (editors, developers) see only their own keys, read-only.
// Listed keys found in public are announced above the table.
import { useState } from "preact/hooks";
import { allPages, api, type Key, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { Loading, ProblemBanner } from "../../ui/components";
import { useLoad } from "../../ui/hooks";
import type { PanelProps } from "../types";
import { BulkDeleteDialog, type BulkResult } from "./BulkDeleteDialog";
import { CreateKeyDialog } from "./CreateKeyDialog";
import { KeyDetailsDialog } from "./KeyDetailsDialog";
import { KeyFilters } from "./KeyFilters";
import { KeysPager } from "./KeysPager";
import { KeysTable } from "./KeysTable";
import { LeakNotice } from "./LeakNotice";
import { keysText } from "./messages";
import type { KeyFilter, PageSize } from "./model";
import { useCursorPages } from "./useCursorPages";
import "./keys.css";

type Open = { kind: "create" } | { kind: "details"; key: Key } | { kind: "bulk"; keyIds: string[] } | null;

export default function KeysPanel({ project, me, can }: PanelProps) {
  const t = useT(keysText);
  const pid = project.id;
  const canManage = can("manage_keys");
  const [filter, setFilter] = useState<KeyFilter>({});
  const [limit, setLimit] = useState<PageSize>(50);
  const [open, setOpen] = useState<Open>(null);
  const [bulkResult, setBulkResult] = useState<BulkResult | null>(null);
  const roles = useLoad(
    () => allPages((cursor) => api.GET("/v1/projects/{pid}/roles", { params: { path: { pid }, query: { limit: 100, cursor } } })),
    [pid],
  );
  const roleNames = new Map((roles.data ?? []).map((role) => [role.id, role.name]));
  // The identities a key may be created for, and whose external ids name their keys' owners
  // (the first 100: the API finds an identity by exact external id, not by prefix).
  const identities = useLoad(
    async () =>
      canManage
        ? (await unwrap(api.GET("/v1/projects/{pid}/identities", { params: { path: { pid }, query: { limit: 100 } } }))).items
        : [],
    [pid, canManage],
  );
  const identityNames = new Map((identities.data ?? []).map((identity) => [identity.id, identity.external_id]));
  // The server lists only the caller's own keys without manage_keys; ask for exactly that.
  const query = canManage ? filter : { ...filter, owner_id: me };
  const pages = useCursorPages(
    (cursor) => unwrap(api.GET("/v1/projects/{pid}/keys", { params: { path: { pid }, query: { ...query, limit, cursor } } })),
    [pid, query, limit],
  );
  const selection = useSelection(`${JSON.stringify(query)}/${limit}/${pages.number}`);

  return (
    <div class="keys">
      <div class="panel-head">
        <h2>{t("title")}</h2>
        {canManage && (
          <button type="button" class="primary" disabled={!roles.data || !identities.data} onClick={() => setOpen({ kind: "create" })}>
            {t("create")}
          </button>
        )}
      </div>
      <LeakNotice pid={pid} items={pages.items} canManage={canManage} onOpen={(key) => setOpen({ kind: "details", key })} />
      <p class="muted">{t(canManage ? "introAll" : "introOwn")}</p>
      <KeyFilters value={filter} ownerFilter={canManage} onChange={setFilter} />
      <div class="keys-toolbar">
        {canManage ? (
          <div class="row-actions">
            <span class="muted">{t("selected", { count: selection.ids.size })}</span>
            <button
              type="button"
              class="danger"
              disabled={selection.ids.size === 0}
              onClick={() => setOpen({ kind: "bulk", keyIds: [...selection.ids] })}
            >
              {t("deleteSelected")}
            </button>
          </div>
        ) : (
          <span />
        )}
        <KeysPager pages={pages} limit={limit} onLimit={setLimit} />
      </div>
      <p role="status" class="muted">
        {bulkResult && t("bulkDone", { deleted: bulkResult.deleted.length, missing: bulkResult.not_found.length })}
      </p>
      <ProblemBanner problem={pages.problem ?? roles.problem ?? identities.problem} />
      {!pages.items && !pages.problem && <Loading />}
      {pages.items?.length === 0 && <p class="muted">{t("empty")}</p>}
      {pages.items && pages.items.length > 0 && (
        <div class="keys-scroll">
          <KeysTable
            items={pages.items}
            roleNames={roleNames}
            identityNames={identityNames}
            busy={pages.loading}
            selected={canManage ? selection.ids : undefined}
            onSelect={selection.set}
            onOpen={(key) => setOpen({ kind: "details", key })}
          />
        </div>
      )}

      {open?.kind === "create" && roles.data && identities.data && (
        <CreateKeyDialog
          pid={pid}
          me={me}
          roles={roles.data}
          identities={identities.data}
          onCreated={pages.reload}
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === "details" && (
        <KeyDetailsDialog
          pid={pid}
          value={open.key}
          roleNames={roleNames}
          identityNames={identityNames}
          canManage={canManage}
          onChanged={pages.reload}
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === "bulk" && (
        <BulkDeleteDialog
          pid={pid}
          keyIds={open.keyIds}
          onDone={(result) => {
            setBulkResult(result);
            selection.clear();
            setOpen(null);
            pages.reload();
          }}
          onClose={() => setOpen(null)}
        />
      )}
    </div>
  );
}

/** The checked rows of the page on screen; another page or filter starts with none. */
function useSelection(pageKey: string) {
  const [kept, setKept] = useState<{ pageKey: string; ids: Set<string> }>({ pageKey, ids: new Set() });
  const ids = kept.pageKey === pageKey ? kept.ids : new Set<string>();
  return {
    ids,
    set: (changed: string[], on: boolean) => {
      const next = new Set(ids);
      for (const id of changed) {
        if (on) next.add(id);
        else next.delete(id);
      }
      setKept({ pageKey, ids: next });
    },
    clear: () => setKept({ pageKey, ids: new Set() }),
  };
}
