import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Arrivals {
  ids: string[];
  /** Machine-clock milliseconds (performance.timeOrigin + performance.now()) at which each arrived. */
  times: number[];
  /** CPU time the receiver process has used since it started, in ms. */
  cpuMs: number;
}

/** Drives bench/support/receiver.ts in a child process. */
export interface ReceiverProcess {
  url: string;
  /** Resolves once `count` requests have arrived since the last collect(); rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  collect(): Promise<Arrivals>;
  close(): void;
}

export async function startReceiverProcess(): Promise<ReceiverProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./receiver.ts', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(kind: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { kind: string }) => {
        if (message.kind !== kind) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as T);
      };
      const onExit = (code: number | null) => reject(new Error(`receiver exited (${code}) while waiting for ${kind}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const { port } = await next<{ port: number }>('listening');
  return {
    url: `http://127.0.0.1:${port}`,
    async waitFor(count, timeoutMs) {
      const reached = next('reached');
      child.send({ kind: 'expect', count });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`receiver did not get ${count} requests within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([reached, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async collect() {
      const collected = next<Arrivals>('collected');
      child.send({ kind: 'collect' });
      const { ids, times, cpuMs } = await collected;
      return { ids, times, cpuMs };
    },
    close() {
      if (child.connected) child.disconnect();
      child.kill();
    },
  };
}
