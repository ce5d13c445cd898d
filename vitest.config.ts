import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const cores = availableParallelism();

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own database (PGlite in memory or a fresh PostgreSQL database),
    // so files may run side by side.
    pool: 'forks',
    // Vitest's default (cores - 1) runs one file at a time on a 2-core machine. A PGlite file
    // keeps one core busy; a PostgreSQL file spends much of its time waiting on the server.
    maxWorkers: process.env.DATABASE_URL ? cores + 1 : Math.max(cores, 2),
  },
});
