// A second file, so that Jest runs the fixtures in worker processes, as it runs the suite.
it('passes', () => expect(true).toBe(true));
