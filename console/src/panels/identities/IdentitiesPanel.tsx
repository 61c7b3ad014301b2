// The project's identities (owners, admins: those who may create keys for anyone): the list
// a page at a time, found by external id, created, and opened for limits, credits and keys.
import { useState } from "preact/hooks";
import { api, type Identity, unwrap } from "../../api/client";
import { useT } from "../../i18n";
import { Dialog, Loading, More, ProblemBanner } from "../../ui/components";
import { usePages } from "../../ui/usePages";
import type { PanelProps } from "../types";
import { IdentitiesTable } from "./IdentitiesTable";
import { IdentityDetailsDialog } from "./IdentityDetailsDialog";
import { CreateIdentityForm } from "./IdentityForm";
import { identitiesText } from "./messages";

type Open = { kind: "create" } | { kind: "details"; identity: Identity } | null;

export default function IdentitiesPanel({ project }: PanelProps) {
  const t = useT(identitiesText);
  const pid = project.id;
  const [open, setOpen] = useState<Open>(null);
  const [typed, setTyped] = useState("");
  const [externalId, setExternalId] = useState<string | undefined>(undefined);
  const list = usePages(
    (cursor) =>
      unwrap(api.GET("/v1/projects/{pid}/identities", { params: { path: { pid }, query: { limit: 50, cursor, external_id: externalId } } })),
    [pid, externalId],
  );
  return (
    <div class="identities">
      <div class="panel-head">
        <h2>{t("title")}</h2>
        <button type="button" class="primary" onClick={() => setOpen({ kind: "create" })}>
          {t("create")}
        </button>
      </div>
      <p class="muted">{t("intro")}</p>
      <form
        class="filters"
        role="search"
        aria-label={t("search")}
        onSubmit={(event) => {
          event.preventDefault();
          setExternalId(typed.trim() || undefined);
        }}
      >
        <label>
          {t("externalId")}
          <input type="search" maxLength={256} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoComplete="off" />
        </label>
        <button type="submit">{t("find")}</button>
        {externalId !== undefined && (
          <button
            type="button"
            onClick={() => {
              setTyped("");
              setExternalId(undefined);
            }}
          >
            {t("clear")}
          </button>
        )}
      </form>
      <ProblemBanner problem={list.problem ?? list.more.problem} />
      {!list.items && !list.problem && <Loading />}
      {list.items?.length === 0 && <p class="muted">{externalId === undefined ? t("empty") : t("notFound", { id: externalId })}</p>}
      {list.items && list.items.length > 0 && (
        <IdentitiesTable items={list.items} onOpen={(identity) => setOpen({ kind: "details", identity })} />
      )}
      <More cursor={list.cursor} busy={list.more.busy} onMore={() => list.cursor && void list.more.run(list.cursor)} />

      {open?.kind === "create" && (
        <Dialog title={t("createTitle")} onClose={() => setOpen(null)} wide>
          <CreateIdentityForm
            pid={pid}
            onCreated={(identity) => {
              list.reload();
              setOpen({ kind: "details", identity });
            }}
            onClose={() => setOpen(null)}
          />
        </Dialog>
      )}
      {open?.kind === "details" && (
        <IdentityDetailsDialog
          pid={pid}
          value={open.identity}
          onChanged={list.reload}
          onDeleted={() => {
            setOpen(null);
            list.reload();
          }}
          onClose={() => setOpen(null)}
        />
      )}
    </div>
  );
}
