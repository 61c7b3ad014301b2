// Deleting (revoking) the checked keys at once, after the person confirms how many.
import { api, unwrap } from "../../api/client";
import { idempotencyHeaders, useIdempotencyScope } from "../../api/idempotency";
import { useT } from "../../i18n";
import { ConfirmDialog } from "../../ui/components";
import { useAction } from "../../ui/hooks";
import { keysText } from "./messages";

export interface BulkResult {
  deleted: string[];
  not_found: string[];
}

export function BulkDeleteDialog(props: { pid: string; keyIds: string[]; onDone: (result: BulkResult) => void; onClose: () => void }) {
  const t = useT(keysText);
  const count = props.keyIds.length;
  const scope = useIdempotencyScope();
  const remove = useAction(async () => {
    const body = { key_ids: props.keyIds, confirm: true as const };
    const header = await idempotencyHeaders(scope, "batch delete", body);
    const result = await unwrap(
      api.POST("/v1/projects/{pid}/keys/batch-delete", { params: { path: { pid: props.pid }, header }, body }),
    );
    props.onDone(result);
  });
  return (
    <ConfirmDialog
      title={t("bulkTitle")}
      text={<p>{t("bulkText", { count })}</p>}
      confirmLabel={t("bulkConfirm", { count })}
      busy={remove.busy}
      problem={remove.problem}
      onConfirm={() => void remove.run()}
      onClose={props.onClose}
    />
  );
}
