import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { root: '/work/main', include: ['.scratch/**/*.test.ts'], testTimeout: 60000, hookTimeout: 60000, pool: 'forks' } });
