// The province's gateway over its cities' hubs: Apollo Gateway on Apollo Server.
//
// Configuration, from the environment:
//   PORT         where it listens (default 4000)
//   SUPERGRAPH   a supergraph file written by compose.mjs: the routing is fixed at start;
//   SUBGRAPHS    or name=url,name=url: the gateway composes them itself at start
//                (IntrospectAndCompose, asking each hub for `{ _service { sdl } }`),
//   SCHEMA_TOKEN with that bearer token (one every hub accepts: the province's issuer).
//
// Each client's Authorization, X-Purpose and X-Case-Id headers (or extensions.purpose and
// extensions.caseId of its request) are forwarded to every hub it reaches: each hub decides its own policy, purpose rule and row scope, and logs its own part.
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";

const FORWARDED = ["authorization", "x-purpose", "x-case-id"];

// The purpose and case id a client put in the body (extensions.purpose, extensions.caseId,
// the hub's preferred way) travel to the hubs as headers, RFC 8187-encoded UTF-8.
const EXTENSION_HEADERS = { purpose: "x-purpose", caseId: "x-case-id" };

class HubDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    for (const name of FORWARDED) {
      const value = context?.headers?.[name];
      if (value) request.http.headers.set(name, value);
    }
    for (const [key, header] of Object.entries(EXTENSION_HEADERS)) {
      const value = context?.extensions?.[key];
      if (typeof value === "string" && !context.headers?.[header]) {
        request.http.headers.set(header, `UTF-8''${encodeURIComponent(value)}`);
      }
    }
    if (!context?.headers && process.env.SCHEMA_TOKEN) {
      // Loading the subgraphs' schemas: no client request, the gateway's own token.
      request.http.headers.set("authorization", `Bearer ${process.env.SCHEMA_TOKEN}`);
    }
  }
}

function supergraph() {
  if (process.env.SUPERGRAPH) {
    return { supergraphSdl: readFileSync(process.env.SUPERGRAPH, "utf8") };
  }
  const subgraphs = (process.env.SUBGRAPHS ?? "")
    .split(",")
    .filter(Boolean)
    .map((item) => {
      const at = item.indexOf("=");
      return { name: item.slice(0, at), url: item.slice(at + 1) };
    });
  if (subgraphs.length === 0) {
    console.error("set SUPERGRAPH (a file from compose.mjs) or SUBGRAPHS (name=url,...)");
    process.exit(2);
  }
  return { supergraphSdl: new IntrospectAndCompose({ subgraphs }) };
}

const gateway = new ApolloGateway({
  ...supergraph(),
  buildService: ({ url }) => new HubDataSource({ url }),
});
// A hub's refusal reaches the client with its code and the hub's own message; never
// the gateway's stack.
const server = new ApolloServer({
  gateway,
  introspection: true,
  includeStacktraceInErrorResponses: false,
  plugins: [
    {
      async requestDidStart({ request, contextValue }) {
        contextValue.extensions = request.extensions ?? {};
      },
    },
  ],
});
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 4000), host: "127.0.0.1" },
  context: async ({ req }) => ({
    headers: Object.fromEntries(FORWARDED.map((name) => [name, req.headers[name]])),
  }),
});
console.log(`gateway ready at ${url}`);
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.stop().then(() => process.exit(0)));
}
