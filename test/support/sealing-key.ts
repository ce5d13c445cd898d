import { parseSealingKey } from '../../src/security/sealed-values.ts';

/** The fixed key tests seal endpoint credentials with; child processes get it as PUNCHCARD_ENCRYPTION_KEY. */
export const testSealKeyText = '8f3c2a1b9d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a';
export const testSealKey = parseSealingKey(testSealKeyText);
