import { messages } from "../../i18n";

// The audit panel: every change and reveal in a project, newest first.
export const auditText = messages(
  {
    title: "Audit log",
    intro: "Every change and every reveal of a secret in this project, newest first.",
    filterNote: "Filters narrow the events loaded so far; load more to look further back.",
    action: "Action",
    allActions: "All actions",
    actor: "Actor",
    actorFilter: "Actor contains",
    time: "Time",
    target: "Target",
    details: "Details",
    empty: "No events yet.",
    noMatch: "No loaded event matches the filters.",
    shown: "{count} event shown|{count} events shown",
    shownOf: "{shown} of {count} loaded event shown|{shown} of {count} loaded events shown",
    clear: "Clear filters",
  },
  {
    title: "Журнал аудита",
    intro: "Все изменения и каждый показ секрета в этом проекте, сначала новые.",
    filterNote: "Фильтры применяются к уже загруженным событиям; загрузите ещё, чтобы искать глубже.",
    action: "Действие",
    allActions: "Все действия",
    actor: "Кто выполнил",
    actorFilter: "Кто выполнил (содержит)",
    time: "Время",
    target: "Объект",
    details: "Подробности",
    empty: "Событий пока нет.",
    noMatch: "Среди загруженных событий нет подходящих под фильтры.",
    shown: "Показано {count} событие|Показано {count} события|Показано {count} событий|Показано {count} события",
    shownOf:
      "Показано {shown} из {count} загруженного события|Показано {shown} из {count} загруженных событий|Показано {shown} из {count} загруженных событий|Показано {shown} из {count} загруженного события",
    clear: "Сбросить фильтры",
  },
);
