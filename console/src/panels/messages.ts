import { messages } from "../i18n";

// The project page's tabs.
export const tabs = messages(
  {
    settings: "Settings",
    secrets: "Access keys",
    keys: "API keys",
    identities: "Identities",
    templates: "Templates and requests",
    webhooks: "Webhooks",
    usage: "Usage",
    audit: "Audit",
    yourRole: "Your role: {role}",
    notMember: "You are not a member of this project.",
    "role.owner": "owner",
    "role.admin": "admin",
    "role.editor": "editor",
    "role.developer": "developer",
    "role.viewer": "viewer",
  },
  {
    settings: "Настройки",
    secrets: "Ключи доступа",
    keys: "API-ключи",
    identities: "Клиенты",
    templates: "Шаблоны и запросы",
    webhooks: "Вебхуки",
    usage: "Статистика",
    audit: "Аудит",
    yourRole: "Ваша роль: {role}",
    notMember: "Вы не участник этого проекта.",
    "role.owner": "владелец",
    "role.admin": "администратор",
    "role.editor": "редактор",
    "role.developer": "разработчик",
    "role.viewer": "наблюдатель",
  },
);
