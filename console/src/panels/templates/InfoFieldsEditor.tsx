// The rows of a template's information fields, with buttons that insert a placeholder of the
// project id, a node's id or a node's name into a value where the cursor is.
import { useRef, useState } from "preact/hooks";
import type { ProjectNode } from "../../api/client";
import { useT } from "../../i18n";
import type { InfoField } from "./data";
import { templatesText } from "./messages";

export const FIELD_NAME_PATTERN = "[A-Z][A-Z0-9_]{0,63}";
const PROJECT_PLACEHOLDER = "{{project.id}}";
// The service puts the node's id in for the first, its name for the second.
const nodeIdPlaceholder = (nodeId: string) => `{{node:${nodeId}}}`;
const nodeNamePlaceholder = (nodeId: string) => `{{node:${nodeId}.name}}`;

export function InfoFieldsEditor(props: {
  fields: InfoField[];
  nodes: ProjectNode[];
  onChange: (fields: InfoField[]) => void;
}) {
  const t = useT(templatesText);
  const { fields, onChange } = props;
  const update = (index: number, field: InfoField) => onChange(fields.map((f, i) => (i === index ? field : f)));
  return (
    <fieldset class="info-fields">
      <legend>{t("fields")}</legend>
      <p class="muted">{t("fieldsHelp")}</p>
      {fields.map((field, index) => (
        <FieldRow
          key={index}
          index={index}
          field={field}
          nodes={props.nodes}
          onChange={(next) => update(index, next)}
          onRemove={() => onChange(fields.filter((_, i) => i !== index))}
        />
      ))}
      <button type="button" onClick={() => onChange([...fields, { name: "", description: "", value: "" }])}>
        {t("addField")}
      </button>
    </fieldset>
  );
}

function FieldRow(props: {
  index: number;
  field: InfoField;
  nodes: ProjectNode[];
  onChange: (field: InfoField) => void;
  onRemove: () => void;
}) {
  const t = useT(templatesText);
  const { field } = props;
  const valueRef = useRef<HTMLInputElement>(null);
  const [picked, setNodeId] = useState("");
  // The nodes may arrive after the row: until the person picks one, the first is chosen.
  const nodeId = props.nodes.some((node) => node.id === picked) ? picked : (props.nodes[0]?.id ?? "");

  /** Puts `text` where the cursor was in the value (replacing a selection), then the cursor after it. */
  const insert = (text: string) => {
    const input = valueRef.current;
    const value = field.value;
    const start = input?.selectionStart ?? value.length;
    const end = input?.selectionEnd ?? start;
    props.onChange({ ...field, value: value.slice(0, start) + text + value.slice(end) });
    requestAnimationFrame(() => {
      if (!input) return;
      input.focus();
      input.setSelectionRange(start + text.length, start + text.length);
    });
  };

  return (
    <fieldset class="info-field">
      <legend>{t("field", { n: props.index + 1 })}</legend>
      <div class="info-field-grid">
        <label>
          {t("fieldName")}
          <input
            required
            pattern={FIELD_NAME_PATTERN}
            title={t("fieldNameHint")}
            maxLength={64}
            value={field.name}
            autoComplete="off"
            spellcheck={false}
            class="mono"
            onInput={(e) => props.onChange({ ...field, name: e.currentTarget.value.toUpperCase() })}
          />
        </label>
        <label>
          {t("fieldDescription")}
          <input
            value={field.description ?? ""}
            maxLength={1024}
            onInput={(e) => props.onChange({ ...field, description: e.currentTarget.value })}
          />
        </label>
      </div>
      <label>
        {t("fieldValue")}
        <input
          ref={valueRef}
          required
          maxLength={4096}
          value={field.value}
          autoComplete="off"
          spellcheck={false}
          class="mono"
          onInput={(e) => props.onChange({ ...field, value: e.currentTarget.value })}
        />
      </label>
      <div class="row-actions insert-row">
        <button type="button" onClick={() => insert(PROJECT_PLACEHOLDER)}>
          {t("insertProjectId")}
        </button>
        {props.nodes.length > 0 ? (
          <>
            <label class="inline">
              {t("node")}
              <select value={nodeId} onChange={(e) => setNodeId(e.currentTarget.value)}>
                {props.nodes.map((node) => (
                  <option key={node.id} value={node.id}>
                    {t("nodeOption", { name: node.name, kind: t(`kind.${node.kind}`) })}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={!nodeId} onClick={() => insert(nodeIdPlaceholder(nodeId))}>
              {t("insertNode")}
            </button>
            <button type="button" disabled={!nodeId} onClick={() => insert(nodeNamePlaceholder(nodeId))}>
              {t("insertNodeName")}
            </button>
          </>
        ) : (
          <span class="muted">{t("noNodes")}</span>
        )}
        <button type="button" class="link remove-field" onClick={props.onRemove}>
          {t("removeField")}
        </button>
      </div>
    </fieldset>
  );
}
