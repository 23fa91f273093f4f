// Added to Apollo Sandbox's landing page at GET /graphql (see router/src/explorer.ts). Sandbox's code
// comes from Apollo's CDN; offline, or where the CDN is blocked, it cannot load. Then this page says
// so with a link, and goes to the GraphiQL that the router serves from its own files.
(function () {
  'use strict';

  const explorer = new URL('/graphiql', window.location.href).href;

  const note = document.createElement('p');
  note.append('GraphiQL, served by this router, works offline: ');
  const link = document.createElement('a');
  link.href = explorer;
  link.textContent = explorer;
  link.id = 'offline-explorer';
  note.append(link);
  (document.querySelector('.fallback') || document.body).append(note);

  window.addEventListener('load', function () {
    if (typeof window.EmbeddedSandbox !== 'function') window.location.replace(explorer);
  });
})();
