// Integration and end-to-end tests start servers and wait on real I/O: 5 s is too short.
// (A per-project `testTimeout` in jest.config.ts is ignored by Jest; only this is per project.)
jest.setTimeout(60_000);
