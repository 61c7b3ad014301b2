// The shell: configuration, sign-in, the header (language, who, sign out) and the routes.
// Panels load as separate chunks when first opened.
import { useEffect } from "preact/hooks";
import { LocationProvider, Route, Router, lazy, useLocation } from "preact-iso";
import { type ConsoleConfig, consoleConfig } from "./auth/config";
import { session } from "./auth/session";
import { SignIn } from "./auth/SignIn";
import { StepUpDialog } from "./auth/StepUpDialog";
import { LANGS, type Lang, lang, setLang, useT } from "./i18n";
import { Loading, ProblemBanner } from "./ui/components";
import { useLoad } from "./ui/hooks";
import { common } from "./ui/messages";

const BASE = import.meta.env.BASE_URL; // "/console/"
const ProjectsList = lazy(() => import("./panels/projects/ProjectsList"));
const ProjectPage = lazy(() => import("./panels/ProjectPage"));

export function App() {
  const config = useLoad(consoleConfig, []);
  if (!config.data) {
    return (
      <main id="content" tabIndex={-1}>
        {config.problem ? <ProblemBanner problem={config.problem} /> : <Loading />}
      </main>
    );
  }
  return (
    <LocationProvider scope={BASE}>
      <Shell config={config.data} />
    </LocationProvider>
  );
}

function Shell({ config }: { config: ConsoleConfig }) {
  const t = useT(common);
  const location = useLocation();
  if (location.path.startsWith(`${BASE}callback`)) return <Callback config={config} />;
  const current = session.value;
  return (
    <>
      <a class="skip" href="#content">
        {t("skipToContent")}
      </a>
      <header class="top">
        <a class="brand" href={BASE}>
          {t("appName")}
        </a>
        <nav aria-label={t("projects")}>{current && <a href={BASE}>{t("projects")}</a>}</nav>
        <div class="who">
          <label>
            <span class="sr-only">{t("language")}</span>
            <select
              aria-label={t("language")}
              value={lang.value}
              onChange={(e) => setLang(e.currentTarget.value as Lang)}
            >
              {LANGS.map((l) => (
                <option key={l} value={l}>
                  {l === "en" ? "English" : "Русский"}
                </option>
              ))}
            </select>
          </label>
          {current && (
            <>
              <span data-testid="signed-in-as">{t("signedInAs", { sub: current.sub })}</span>
              <button type="button" onClick={() => signOut(config)}>
                {t("signOut")}
              </button>
            </>
          )}
        </div>
      </header>
      {current ? (
        <Router>
          <Route path={BASE} component={ProjectsList} />
          <Route path={`${BASE}projects/:pid/:tab?`} component={ProjectPage} />
          <Route default component={NotFound} />
        </Router>
      ) : (
        <SignIn config={config} />
      )}
      <StepUpDialog config={config} />
    </>
  );
}

/** Forgets the token; deployed, also ends the issuer's session (if the issuer cannot, the console's is over anyway). */
function signOut(config: ConsoleConfig): void {
  session.value = null;
  if (config.auth === "oidc") {
    import("./auth/oidc")
      .then(({ oidcSignOut }) => oidcSignOut(config))
      .catch((error: unknown) => console.warn("the issuer's session could not be ended", error));
  }
}

function Callback({ config }: { config: ConsoleConfig }) {
  const location = useLocation();
  const finished = useLoad(async () => {
    if (config.auth !== "oidc") return null;
    const { oidcCallback } = await import("./auth/oidc");
    return oidcCallback(config);
  }, []);
  useEffect(() => {
    if (finished.data) {
      session.value = finished.data.session;
      location.route(finished.data.returnTo, true);
    }
  }, [finished.data]);
  if (finished.problem) return <ProblemBanner problem={finished.problem} />;
  return <Loading />;
}

function NotFound() {
  const t = useT(common);
  return (
    <main id="content" tabIndex={-1}>
      <p>{t("notFound")}</p>
    </main>
  );
}
