// GraphiQL for the Xietong hub. Everything it loads comes from the hub itself
// (xietong/web/static), so it works on a network with no way out.
(function () {
  "use strict";

  const url = window.location.href.split(/[?#]/)[0];
  const parameters = new URLSearchParams(window.location.search);

  const EXAMPLE_QUERY = `# Xietong (协同): one GraphQL schema over the departments' own systems.
#
# 1. Get a token (OAuth 2.0 client credentials at /oauth/token).
# 2. Put it in the Headers pane below, with a purpose where one is needed:
#      {"Authorization": "Bearer <token>", "X-Purpose": "annual inspection"}
#    The schema (docs, autocomplete) loads as soon as the token is there.
#    Headers are kept only while this page is open, never in the browser's storage.
# 3. Run the query (Ctrl-Enter).

{
  me { clientId department roles region }
}
`;

  // The Authorization header in the headers pane's text; null while it is not JSON.
  function authorizationIn(text) {
    if (!text || !text.trim()) {
      return "";
    }
    let headers;
    try {
      headers = JSON.parse(text);
    } catch (error) {
      return null;
    }
    if (!headers || typeof headers !== "object") {
      return null;
    }
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === "authorization") {
        return String(headers[name]);
      }
    }
    return "";
  }

  // GraphiQL keeps its tabs and history in localStorage, each with the headers it
  // ran with, whatever shouldPersistHeaders says: every value is stored without them.
  function withoutHeaders(value) {
    let parsed;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      return value;
    }
    return JSON.stringify(parsed, function (key, inner) {
      return key === "headers" ? undefined : inner;
    });
  }

  const storage = {
    getItem: function (key) {
      return window.localStorage.getItem(key);
    },
    setItem: function (key, value) {
      window.localStorage.setItem(key, withoutHeaders(value));
    },
    removeItem: function (key) {
      window.localStorage.removeItem(key);
    },
    clear: function () {
      for (const key of Object.keys(window.localStorage)) {
        if (key.startsWith("graphiql:")) {
          window.localStorage.removeItem(key);
        }
      }
    },
    get length() {
      return window.localStorage.length;
    },
  };

  function subscriptionUrlOf(httpUrl) {
    const parsed = new URL(httpUrl);
    parsed.protocol = parsed.protocol === "https:" ? "wss:" : "ws:";
    parsed.hash = "";
    return parsed.toString();
  }

  function XietongGraphiQL() {
    const [query, setQuery] = React.useState(parameters.get("query") || EXAMPLE_QUERY);
    const [variables, setVariables] = React.useState(parameters.get("variables") || undefined);
    const [headers, setHeaders] = React.useState("");
    const [authorization, setAuthorization] = React.useState("");
    const pending = React.useRef(undefined);

    // A new fetcher makes GraphiQL introspect again: a token pasted into the headers
    // pane loads the schema without pressing "re-fetch".
    const fetcher = React.useMemo(
      function () {
        return GraphiQL.createFetcher({ url: url, subscriptionUrl: subscriptionUrlOf(url) });
      },
      [authorization],
    );

    function onEditHeaders(text) {
      setHeaders(text);
      window.clearTimeout(pending.current);
      pending.current = window.setTimeout(function () {
        const found = authorizationIn(text);
        if (found !== null) {
          setAuthorization(found);
        }
      }, 250);
    }

    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      storage: storage,
      defaultEditorToolsVisibility: true,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      query: query,
      variables: variables,
      headers: headers,
      onEditQuery: setQuery,
      onEditVariables: setVariables,
      onEditHeaders: onEditHeaders,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      // A bearer token in localStorage outlives the page and is readable by any
      // script on this origin: keep headers in memory only.
      shouldPersistHeaders: false,
    });
  }

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(XietongGraphiQL));
})();
