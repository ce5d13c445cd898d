import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { parseRetryAfter } from './retry-after.ts';

/** Enough of a receiver's answer to debug it from the attempt log, small enough to store every time. */
export const defaultMaxResponseBytes = 4096;

/**
 * Past the kept bytes, this much more is read and thrown away so the connection can be reused;
 * a bigger (or endless) body closes the connection instead.
 */
const drainLimitBytes = 64 * 1024;

export interface AttemptRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Whole attempt: connecting, sending, waiting for the status and reading the kept body. */
  timeoutMs: number;
  /** Normally the guarded agent (address-guard.ts): the SSRF check lives there. */
  dispatcher: Dispatcher;
  /** The attempt's time; an HTTP-date in Retry-After is measured from it. */
  now: Date;
  maxResponseBytes?: number;
}

export type AttemptErrorKind = 'timeout' | 'connection-refused' | 'address-refused' | 'dns' | 'tls' | 'network' | 'invalid-url';

export interface AttemptResult {
  /** `null` when no HTTP status arrived. */
  statusCode: number | null;
  durationMs: number;
  /** At most maxResponseBytes of the body as UTF-8 text, never containing NUL (PostgreSQL text refuses it). */
  responseBody: string;
  /** Why no status arrived, for the attempt log; `null` whenever statusCode is set. */
  error: string | null;
  errorKind: AttemptErrorKind | null;
  retryAfterSeconds: number | null;
}

/**
 * One POST of one webhook. Never throws for anything the network or the receiver does: every
 * outcome is an AttemptResult for the retry policy to judge. Redirects are not followed (undici's
 * `request` does not without an interceptor): a 3xx is returned as is and counts as a failure.
 */
export async function sendAttempt(attempt: AttemptRequest): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;

  const url = URL.parse(attempt.url);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return failure(elapsed(), 'invalid-url', `invalid URL: only http and https URLs can receive webhooks`);
  }

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(attempt.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), attempt.timeoutMs);
  try {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'POST',
        headers,
        body: attempt.body,
        dispatcher: attempt.dispatcher,
        signal: controller.signal,
      });
    } catch (error) {
      const [kind, message] = controller.signal.aborted
        ? (['timeout', `timeout: no response within ${attempt.timeoutMs} ms`] as const)
        : describeError(error);
      return failure(elapsed(), kind, message);
    }
    const responseBody = await readLimited(response.body, attempt.maxResponseBytes ?? defaultMaxResponseBytes);
    return {
      statusCode: response.statusCode,
      durationMs: elapsed(),
      responseBody,
      error: null,
      errorKind: null,
      retryAfterSeconds: parseRetryAfter(firstHeader(response.headers['retry-after']), attempt.now),
    };
  } finally {
    clearTimeout(timer);
  }
}

function failure(durationMs: number, errorKind: AttemptErrorKind, error: string): AttemptResult {
  return { statusCode: null, durationMs, responseBody: '', error, errorKind, retryAfterSeconds: null };
}

/**
 * Keeps the first `limit` bytes. A body that fails or times out half-way still yields what came:
 * the status has already decided the attempt, the body is only there to help debugging.
 */
async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let discardedBytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const part = keptBytes < limit ? chunk.subarray(0, limit - keptBytes) : chunk.subarray(0, 0);
      kept.push(part);
      keptBytes += part.length;
      discardedBytes += chunk.length - part.length;
      // Leaving the loop destroys the stream, which closes the connection rather than read on.
      if (discardedBytes > drainLimitBytes) break;
    }
  } catch {
    // See above: a broken body does not change the attempt's outcome.
  }
  // In streaming mode the decoder holds back a character cut in half by the limit.
  const text = new TextDecoder('utf-8').decode(Buffer.concat(kept), { stream: discardedBytes > 0 });
  return text.replaceAll('\u0000', '\uFFFD');
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const tlsCodes = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** Names the failure for the attempt log from the first error code found in the error's causes. */
function describeError(error: unknown): readonly [AttemptErrorKind, string] {
  const code = findCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'PUNCHCARD_ADDRESS_REFUSED') return ['address-refused', message];
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return ['timeout', `timeout: ${message}`];
  if (code === 'ECONNREFUSED') return ['connection-refused', `connection refused: ${message}`];
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') {
    return ['dns', `DNS lookup failed: ${message}`];
  }
  if (code !== undefined && tlsCodes.test(code)) return ['tls', `TLS error: ${message}`];
  return ['network', code === undefined ? `network error: ${message}` : `network error (${code}): ${message}`];
}

function findCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = findCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return findCode(cause, depth + 1);
}
