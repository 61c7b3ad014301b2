// CloudFront Function (viewer request) on /console and /console/*. The console is a
// single-page app: a path whose last segment has no file extension is one of its routes
// (/console/, /console/projects/p1/keys, /console/callback), answered with its index.html;
// files (/console/assets/index-abc.js, /console/config.json) pass unchanged. /console
// redirects to /console/, as the local stack does (devstack/console.py).
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === "/console") {
    return {
      statusCode: 302,
      statusDescription: "Found",
      headers: { location: { value: "/console/" }, "cache-control": { value: "no-store" } },
    };
  }
  var name = uri.substring(uri.lastIndexOf("/") + 1);
  if (name.indexOf(".") === -1) {
    request.uri = "/console/index.html";
  }
  return request;
}
