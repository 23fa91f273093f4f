// GraphiQL for the supergraph, served by the router at /graphiql: same endpoint as Apollo Sandbox,
// queries and mutations over HTTP, subscriptions over graphql-ws on the same path.
/* global React, ReactDOM, GraphiQL, graphqlWs */
(function () {
  'use strict';

  const httpEndpoint = new URL('/graphql', window.location.href).href;
  const wsEndpoint = httpEndpoint.replace(/^http/, 'ws');
  const overHttp = GraphiQL.createFetcher({ url: httpEndpoint });

  const EXAMPLE = [
    '# Rooms are public. For everything else, put a token in Headers below:',
    '# { "Authorization": "Bearer <from: npm run token -- --sub me --roles HOST>" }',
    'query Rooms {',
    '  rooms(first: 5) {',
    '    totalCount',
    '    edges {',
    '      node {',
    '        id',
    '        name',
    '        city',
    '      }',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  function isSubscription(params, options) {
    const document = options && options.documentAST;
    if (!document) return false;
    const operations = document.definitions.filter((definition) => definition.kind === 'OperationDefinition');
    const chosen = params.operationName
      ? operations.find((operation) => operation.name && operation.name.value === params.operationName)
      : operations[0];
    return Boolean(chosen) && chosen.operation === 'subscription';
  }

  // The contract puts the token in the connection_init payload as { "authorization": "Bearer ..." }:
  // the headers editor's entries go there with lower-case names.
  function connectionParams(headers) {
    const params = {};
    for (const [name, value] of Object.entries(headers || {})) params[name.toLowerCase()] = value;
    return params;
  }

  // One connection per subscription, closed when the subscription ends or GraphiQL stops it.
  async function* overWebSocket(params, headers) {
    const client = graphqlWs.createClient({
      url: wsEndpoint,
      connectionParams: connectionParams(headers),
      retryAttempts: 0,
    });
    try {
      yield* client.iterate({
        query: params.query,
        variables: params.variables,
        operationName: params.operationName,
      });
    } finally {
      await client.dispose();
    }
  }

  function fetcher(params, options) {
    if (isSubscription(params, options)) return overWebSocket(params, options && options.headers);
    return overHttp(params, options);
  }

  // ?query=…&variables=…&headers=… open GraphiQL with those, so that a link can carry an operation.
  const search = new URLSearchParams(window.location.search);
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: EXAMPLE,
      query: search.get('query') ?? undefined,
      variables: search.get('variables') ?? undefined,
      headers: search.get('headers') ?? undefined,
      defaultEditorToolsVisibility: 'headers',
      isHeadersEditorEnabled: true,
      // Tokens stay out of localStorage.
      shouldPersistHeaders: false,
    }),
  );
})();
