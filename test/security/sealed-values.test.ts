import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { keyFilePath, resolveSealingKey } from '../../src/security/encryption-key.ts';
import {
  SealedValueError, isSealed, newSealingKeyText, open, parseSealingKey, seal,
} from '../../src/security/sealed-values.ts';

const key = parseSealingKey('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');
const place = { programId: 'p1', rowId: 'e1', column: 'webhook_endpoints.secret' };
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('sealed values', () => {
  it('seal to enc:v1:<base64(iv | tag | ciphertext)> with a fresh IV each time, and open again', () => {
    const a = seal(key, secret, place);
    const b = seal(key, secret, place);
    expect(a).toMatch(/^enc:v1:[A-Za-z0-9+/]+={0,2}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret.slice(6));
    // 12-byte IV, 16-byte tag, then as many bytes as the clear text.
    expect(Buffer.from(a.slice('enc:v1:'.length), 'base64')).toHaveLength(12 + 16 + Buffer.byteLength(secret));
    expect(open(key, a, place)).toBe(secret);
    expect(open(key, b, place)).toBe(secret);
    expect(open(key, seal(key, '', place), place)).toBe('');
    expect(open(key, seal(key, 'pässwörd ✓', place), place)).toBe('pässwörd ✓');
  });

  it('read a value without the prefix as clear text (stored before sealing existed)', () => {
    expect(isSealed(secret)).toBe(false);
    expect(open(key, secret, place)).toBe(secret);
  });

  it('do not open in another row, column or program, under another key, or once tampered with', () => {
    const sealed = seal(key, secret, place);
    for (const other of [{ ...place, rowId: 'e2' }, { ...place, column: 'webhook_endpoints.bearer_token' }, { ...place, programId: 'p2' }]) {
      expect(() => open(key, sealed, other)).toThrow(SealedValueError);
    }
    expect(() => open(parseSealingKey(newSealingKeyText()), sealed, place))
      .toThrow(/does not open: PUNCHCARD_ENCRYPTION_KEY is not the key it was sealed with, or the value was copied/);
    const bytes = Buffer.from(sealed.slice(7), 'base64');
    bytes[bytes.length - 1] ^= 1;
    expect(() => open(key, `enc:v1:${bytes.toString('base64')}`, place)).toThrow(SealedValueError);
    expect(() => open(key, 'enc:v1:AAAA', place)).toThrow(/truncated/);
  });
});

describe('the operator key', () => {
  it('is 32 bytes as 64 hex digits or base64 (base64url too); anything else is refused clearly', () => {
    const hex = 'ab'.repeat(32);
    const bytes = Buffer.from(hex, 'hex');
    const sealed = seal(parseSealingKey(hex), 'x', place);
    expect(open(parseSealingKey(bytes.toString('base64')), sealed, place)).toBe('x');
    expect(open(parseSealingKey(bytes.toString('base64url')), sealed, place)).toBe('x');
    expect(open(parseSealingKey(`  ${hex}\n`), sealed, place)).toBe('x');
    for (const bad of ['', 'ab'.repeat(31), Buffer.alloc(16).toString('base64'), 'not a key at all', 'ab'.repeat(33)]) {
      expect(() => parseSealingKey(bad)).toThrow(/PUNCHCARD_ENCRYPTION_KEY must be 32 bytes written as 64 hex digits or as base64/);
    }
  });

  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('on the embedded database without PUNCHCARD_ENCRYPTION_KEY, is generated once into <data dir>.key (mode 0600) and read again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'punchcard-key-'));
    dirs.push(dir);
    const config = loadConfig({ PUNCHCARD_DATA_DIR: join(dir, 'data') });
    const first = await resolveSealingKey(config);
    const file = keyFilePath(config.dataDir);
    expect(file).toBe(join(dir, 'data.key'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    const again = await resolveSealingKey(config);
    expect(open(again, seal(first, secret, place), place)).toBe(secret);
  });

  it('given in PUNCHCARD_ENCRYPTION_KEY, is used as is (no file), and a malformed one stops the start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'punchcard-key-'));
    dirs.push(dir);
    const hex = 'cd'.repeat(32);
    const given = await resolveSealingKey(loadConfig({ PUNCHCARD_DATA_DIR: join(dir, 'data'), PUNCHCARD_ENCRYPTION_KEY: hex }));
    expect(open(parseSealingKey(hex), seal(given, secret, place), place)).toBe(secret);
    await expect(stat(join(dir, 'data.key'))).rejects.toThrow(/ENOENT/);
    await expect(resolveSealingKey(loadConfig({ PUNCHCARD_DATA_DIR: dir, PUNCHCARD_ENCRYPTION_KEY: 'short' })))
      .rejects.toThrow(/PUNCHCARD_ENCRYPTION_KEY must be 32 bytes/);
  });

  it('on PostgreSQL, is required: several processes must share it', async () => {
    await expect(resolveSealingKey(loadConfig({ DATABASE_URL: 'postgres://db.example/punchcard' })))
      .rejects.toThrow(/PUNCHCARD_ENCRYPTION_KEY is not set: with DATABASE_URL every process must be given the same key/);
  });
});
