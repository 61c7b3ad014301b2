// Previous / Next through the pages of keys, which page is on screen, and the page size.
import type { Key } from "../../api/client";
import { useT } from "../../i18n";
import { keysText } from "./messages";
import { PAGE_SIZES, type PageSize } from "./model";
import type { CursorPages } from "./useCursorPages";

export function KeysPager(props: { pages: CursorPages<Key>; limit: PageSize; onLimit: (limit: PageSize) => void }) {
  const t = useT(keysText);
  const { pages } = props;
  return (
    <nav class="keys-pager" aria-label={t("paging")}>
      <button type="button" disabled={!pages.hasPrevious || pages.loading} onClick={pages.previous}>
        {t("previous")}
      </button>
      <span data-testid="keys-page" aria-live="polite">
        {t("pageOf", { page: pages.number })}
        {pages.items && <span class="muted"> · {t("onPage", { count: pages.items.length })}</span>}
      </span>
      <button type="button" disabled={!pages.hasNext} onClick={pages.next}>
        {t("next")}
      </button>
      <label>
        {t("pageSize")}
        <select value={String(props.limit)} onChange={(e) => props.onLimit(Number(e.currentTarget.value) as PageSize)}>
          {PAGE_SIZES.map((size) => (
            <option key={size} value={String(size)}>
              {size}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}
