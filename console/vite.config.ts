import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// Served at /console/ by the local stack and, deployed, by CloudFront in front of the
// API (same origin: the console needs no CORS). Panels and the OIDC client are split
// into chunks loaded when first needed.
export default defineConfig({
  base: "/console/",
  plugins: [preact()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // The build must not inline assets as data: URLs, which the console's CSP refuses.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
