// Runs the graphql-http server audit (https://github.com/graphql/graphql-http)
// against a served hub and prints each result as JSON, one array on stdout.
// Usage: node graphql_http_audit.cjs NODE_MODULES URL TOKEN
"use strict";
const path = require("path");

const [modules, url, token] = process.argv.slice(2);
const { serverAudits } = require(path.join(modules, "graphql-http"));

// The hub wants a bearer token on every GraphQL request: add it to each of the
// audit's requests, changing nothing else.
function fetchWithToken(input, init) {
  const headers = new Headers((init && init.headers) || {});
  headers.set("Authorization", `Bearer ${token}`);
  return fetch(input, { ...(init || {}), headers });
}

(async () => {
  const results = [];
  for (const audit of serverAudits({ url, fetchFn: fetchWithToken })) {
    const result = await audit.fn();
    results.push({
      id: audit.id,
      name: audit.name,
      status: result.status,
      reason: result.status === "ok" ? null : String(result.reason),
    });
  }
  process.stdout.write(JSON.stringify(results));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
