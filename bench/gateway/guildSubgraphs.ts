/**
 * Four subgraphs in the shape of The Guild's public federation gateways benchmark (accounts,
 * inventory, products, reviews: static data, a nested query of 16 subgraph fetches and an
 * ~90 kB answer), and the same graph as one unfederated service, whose answer is the reference
 * every gateway's answer is checked against. Run as a process of its own:
 * `node guildSubgraphs.js <accountsPort> <inventoryPort> <productsPort> <reviewsPort> <monolithPort>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { buildSchema, execute, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';

export const GUILD_QUERY = /* GraphQL */ `
  fragment User on User {
    id
    username
    name
  }
  fragment Review on Review {
    id
    body
  }
  fragment Product on Product {
    inStock
    name
    price
    shippingEstimate
    upc
    weight
  }
  query TestQuery {
    users {
      ...User
      reviews {
        ...Review
        product {
          ...Product
          reviews {
            ...Review
            author {
              ...User
              reviews {
                ...Review
                product {
                  ...Product
                }
              }
            }
          }
        }
      }
    }
    topProducts {
      ...Product
      reviews {
        ...Review
        author {
          ...User
          reviews {
            ...Review
            product {
              ...Product
            }
          }
        }
      }
    }
  }
`;

interface User {
  readonly id: string;
  readonly name: string;
  readonly username: string;
  readonly birthday: number;
}
interface Product {
  readonly upc: string;
  readonly name: string;
  readonly price: number;
  readonly weight: number;
}
interface Review {
  readonly id: string;
  readonly body: string;
  readonly upc: string;
}

const USERS: User[] = ['ada', 'bea', 'cyd', 'dee', 'eli', 'fay'].map((username, index) => ({
  id: String(index + 1),
  name: `${username[0].toUpperCase()}${username.slice(1)} Example`,
  username,
  birthday: 1_234_567_890,
}));
const PRODUCTS: Product[] = [
  ['Table', 899, 100],
  ['Couch', 1299, 1000],
  ['Glass', 15, 20],
  ['Chair', 499, 100],
  ['TV', 1299, 1000],
  ['Lamp', 6999, 300],
  ['Grill', 3999, 2000],
  ['Fridge', 100_000, 6000],
  ['Sofa', 9999, 800],
].map(([name, price, weight], index) => ({
  upc: String(index + 1),
  name: name as string,
  price: price as number,
  weight: weight as number,
}));
/** Review bodies of the benchmark's lengths (its answer size comes mostly from them). */
const BODY_LENGTHS = [445, 290, 280, 145, 445, 290, 280, 145, 145, 145, 1000];
const REVIEW_UPCS = ['1', '1', '1', '1', '2', '2', '2', '2', '3', '4', '4'];
const WORDS = 'a stay worth every night of it clean quiet bright room kind host would book again'.split(' ');
const REVIEWS: Review[] = BODY_LENGTHS.map((length, index) => {
  let body = '';
  for (let word = index; body.length < length; word += 1) body += `${WORDS[word % WORDS.length]} `;
  return { id: String(index + 1), body: body.slice(0, length), upc: REVIEW_UPCS[index] };
});
const IN_STOCK = new Set(['1', '5', '6', '7', '9']);
/** Every review's author is the first user; every user's reviews are the first two. */
const AUTHOR = USERS[0];
const reviewsOfProduct = (upc: string) => REVIEWS.filter((review) => review.upc === upc);
const reviewsOfUser = () => REVIEWS.slice(0, 2);
const productByUpc = (upc: string) => PRODUCTS.find((product) => product.upc === upc) ?? null;
const shippingEstimate = ({ price, weight }: { price?: number | null; weight?: number | null }) =>
  price == null ? null : price > 1000 ? 0 : weight == null ? null : Math.floor(weight / 2);

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])`;

export const GUILD_SUBGRAPHS = {
  accounts: {
    typeDefs: parse(`${LINK}
      type Query { me: User user(id: ID!): User users: [User] }
      type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`),
    resolvers: {
      Query: {
        me: () => USERS[0],
        user: (_: unknown, { id }: { id: string }) => USERS.find((user) => user.id === id) ?? null,
        users: () => USERS,
      },
      User: { __resolveReference: ({ id }: { id: string }) => USERS.find((user) => user.id === id) ?? null },
    },
  },
  inventory: {
    typeDefs: parse(`${LINK}
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }`),
    resolvers: {
      Product: {
        __resolveReference: (reference: { upc: string; price?: number; weight?: number }) => reference,
        inStock: ({ upc }: { upc: string }) => IN_STOCK.has(upc),
        shippingEstimate,
      },
    },
  },
  products: {
    typeDefs: parse(`${LINK}
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`),
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => PRODUCTS.slice(0, first) },
      Product: { __resolveReference: ({ upc }: { upc: string }) => productByUpc(upc) },
    },
  },
  reviews: {
    typeDefs: parse(`${LINK}
      type Review @key(fields: "id") { id: ID! body: String product: Product author: User @provides(fields: "username") }
      type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`),
    resolvers: {
      Review: {
        __resolveReference: ({ id }: { id: string }) => REVIEWS.find((review) => review.id === id) ?? null,
        product: (review: Review) => ({ upc: review.upc }),
        author: () => ({ id: AUTHOR.id, username: AUTHOR.username }),
      },
      User: { __resolveReference: ({ id }: { id: string }) => ({ id }), reviews: reviewsOfUser },
      Product: {
        __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
        reviews: ({ upc }: { upc: string }) => reviewsOfProduct(upc),
      },
    },
  },
} as const;

/** The same graph without federation: one service, one execution. */
export function monolithSchema(): { schema: GraphQLSchema; rootValue: object } {
  const schema = buildSchema(`
    type Query { me: User user(id: ID!): User users: [User] topProducts(first: Int = 5): [Product] }
    type User { id: ID! name: String username: String birthday: Int reviews: [Review] }
    type Product { upc: String! name: String price: Int weight: Int inStock: Boolean shippingEstimate: Int reviews: [Review] }
    type Review { id: ID! body: String product: Product author: User }`);
  // graphql-js calls a function-valued field with the arguments: objects with methods are resolvers.
  const user = (found: User) => ({ ...found, reviews: () => reviewsOfUser().map(review) });
  const product = (found: Product) => ({
    ...found,
    inStock: IN_STOCK.has(found.upc),
    shippingEstimate: shippingEstimate(found),
    reviews: () => reviewsOfProduct(found.upc).map(review),
  });
  const review = (found: Review): object => ({
    id: found.id,
    body: found.body,
    product: () => product(productByUpc(found.upc)!),
    author: () => user(AUTHOR),
  });
  return {
    schema,
    rootValue: {
      me: () => user(USERS[0]),
      user: ({ id }: { id: string }) => USERS.filter((found) => found.id === id).map(user)[0] ?? null,
      users: () => USERS.map(user),
      topProducts: ({ first }: { first: number }) => PRODUCTS.slice(0, first).map(product),
    },
  };
}

/** A subgraph's traffic since the counts were last read: HTTP requests, their bodies' bytes, their answers'. */
export interface SubgraphTraffic {
  requests: number;
  requestBytes: number;
  answerBytes: number;
  /** The operations sent, each once (a gateway's plan for the query, as this subgraph sees it). */
  operations: string[];
}

/** Each subgraph's traffic, read (and zeroed) with `GET /traffic` on the unfederated service's port. */
const traffic = new Map<string, SubgraphTraffic>();

/**
 * A minimal GraphQL-over-HTTP server: POST JSON, documents parsed and validated once; `counted`
 * names the subgraph whose traffic it counts.
 */
function serve(schema: GraphQLSchema, rootValue: object | undefined, port: number, counted?: string): Promise<void> {
  const counts: SubgraphTraffic = { requests: 0, requestBytes: 0, answerBytes: 0, operations: [] };
  if (counted) traffic.set(counted, counts);
  const documents = new Map<string, DocumentNode>();
  const documentOf = (query: string) => {
    let document = documents.get(query);
    if (!document) {
      document = parse(query);
      const errors = validate(schema, document, specifiedRules);
      if (errors.length > 0) throw errors[0];
      documents.set(query, document);
    }
    return document;
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'GET' && request.url === '/traffic') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(Object.fromEntries(traffic)));
      for (const each of traffic.values())
        Object.assign(each, { requests: 0, requestBytes: 0, answerBytes: 0, operations: [] });
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        let status = 200;
        let result: unknown;
        try {
          const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString()) as {
            query: string;
            variables?: Record<string, unknown>;
            operationName?: string;
          };
          if (counted && !counts.operations.includes(query)) counts.operations.push(query);
          result = await execute({
            schema,
            document: documentOf(query),
            rootValue,
            variableValues: variables,
            operationName,
          });
        } catch (error) {
          status = 400;
          result = { errors: [{ message: (error as Error).message }] };
        }
        const text = JSON.stringify(result);
        counts.requests += 1;
        counts.answerBytes += Buffer.byteLength(text);
        for (const chunk of chunks) counts.requestBytes += chunk.length;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(text);
      })();
    });
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

async function main() {
  const [accounts, inventory, products, reviews, monolith] = process.argv.slice(2).map(Number);
  const ports = { accounts, inventory, products, reviews };
  for (const [name, { typeDefs, resolvers }] of Object.entries(GUILD_SUBGRAPHS)) {
    await serve(buildSubgraphSchema([{ typeDefs, resolvers }]), undefined, ports[name as keyof typeof ports], name);
  }
  const { schema, rootValue } = monolithSchema();
  await serve(schema, rootValue, monolith);
  console.log('ready');
}

if (require.main === module) void main();
