import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts'],
		globalSetup: ['test/support/globalSetup.ts'],
		// Recorded portal data lives beside the project, never inside it (see ../shared/fixtures/PROVENANCE.md).
		env: { FIXTURES_DIR: process.env.FIXTURES_DIR ?? resolve(import.meta.dirname, '../shared/fixtures') },
		testTimeout: 20_000,
		hookTimeout: 20_000,
		pool: 'forks',
	},
});
