/**
 * A bench's helper process (a load generator, a set of peers): a TypeScript file of this folder forked through tsx,
 * spoken to by request/answer over IPC, one answer per request in order, so that its work is not measured with ours.
 * An answer carrying `error` (a string) rejects the request.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export class BenchChild {
  readonly #child: ChildProcess;
  readonly #pending: Array<(m: Record<string, unknown>) => void> = [];

  /** `file`: the child's entry, in test/bench/support/; a request not answered within `timeoutMs` rejects. */
  constructor(
    file: string,
    private readonly timeoutMs = 60_000,
  ) {
    this.#child = fork(join(here, file), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (m) => this.#pending.shift()?.(m as Record<string, unknown>));
  }

  request<T>(msg: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench child: no answer to ${String(msg.type)}`)), this.timeoutMs);
      this.#pending.push((m) => {
        clearTimeout(timer);
        if (typeof m.error === 'string') reject(new Error(`bench child: ${m.error}`));
        else resolve(m as T);
      });
      this.#child.send(msg);
    });
  }

  close(): void {
    this.#child.kill();
  }
}

/** The offer of a plain RTP peer on 127.0.0.1:`port`: PCMU and telephone-event. */
export function plainRtpOffer(port: number): string {
  return [
    'v=0',
    'o=gen 1 1 IN IP4 127.0.0.1',
    's=gen',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}
