/**
 * npm run check:contract -- <path to api.graphql>: does the router's API (the checked-in
 * supergraph) serve everything of the client contract, exactly as the contract writes it?
 * Exits 1 naming each gap. .ci/run calls it with the team's shared contract when that is there.
 */
import { readFileSync } from 'node:fs';
import { contractGaps, routerApiSchema } from '../schema/contractGaps';

const contractPath = process.argv[2];
if (!contractPath) {
  console.error('usage: npm run check:contract -- <path to the contract api.graphql>');
  process.exit(64);
}
const gaps = contractGaps(readFileSync(contractPath, 'utf8'), routerApiSchema());
if (gaps.length > 0) {
  console.error(`The router's API falls short of ${contractPath}:\n  - ${gaps.join('\n  - ')}`);
  process.exit(1);
}
console.log(`The router's API serves everything of ${contractPath}.`);
