/** npm run compose: regenerates schema/supergraph.graphql (checked in; a test fails when it is stale). */
import { writeFileSync } from 'node:fs';
import { composeSupergraph, SUPERGRAPH_PATH } from '../schema/composition';

writeFileSync(SUPERGRAPH_PATH, composeSupergraph());
console.log(`Wrote ${SUPERGRAPH_PATH}`);
