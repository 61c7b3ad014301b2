import { messages } from "../../i18n";

export const projectsText = messages(
  {
    title: "Projects",
    create: "Create project",
    name: "Name",
    description: "Description",
    created: "Created",
    empty: "You are not in any project yet. Create one to start issuing keys.",
  },
  {
    title: "Проекты",
    create: "Создать проект",
    name: "Название",
    description: "Описание",
    created: "Создан",
    empty: "Вы пока не участвуете ни в одном проекте. Создайте проект, чтобы выпускать ключи.",
  },
);
