/**
 * Every error the media layer raises, as coded factories. Callers branch on `err.code`; the SIP layer answers
 * with `err.sipStatus` (488 for SDP trouble, 500 for prompts, 503 for port exhaustion).
 */
export type MediaErrorCode =
  'BAD_SDP' | 'NO_COMMON_CODEC' | 'PROMPT_UNREADABLE' | 'NO_PORTS' | 'STREAM_CLOSED' | 'BAD_OPTIONS' | 'BAD_DTMF_KEY' | 'WORKER_FAILED';

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  /** SIP status the signalling layer should answer with when this error ends a transaction. */
  readonly sipStatus: number;
  /** The prompt file, for PROMPT_UNREADABLE. */
  readonly file: string | undefined;
  /** The offending key, for BAD_DTMF_KEY. */
  readonly key: string | undefined;

  constructor(code: MediaErrorCode, message: string, sipStatus: number, options?: { cause?: unknown; file?: string; key?: string }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'MediaError';
    this.code = code;
    this.sipStatus = sipStatus;
    this.file = options?.file;
    this.key = options?.key;
  }
}

export function isMediaError(err: unknown, code?: MediaErrorCode): err is MediaError {
  return err instanceof MediaError && (code === undefined || err.code === code);
}

export const mediaErrors = {
  badSdp: (detail: string, cause?: unknown) => new MediaError('BAD_SDP', `unusable SDP: ${detail}`, 488, cause !== undefined ? { cause } : undefined),
  noCommonCodec: (offered: string) =>
    new MediaError('NO_COMMON_CODEC', `no common codec (offered: ${offered || 'none'}; we support PCMU, PCMA)`, 488),
  promptUnreadable: (file: string, cause?: unknown) =>
    new MediaError(
      'PROMPT_UNREADABLE',
      `prompt ${file} unreadable: ${cause instanceof Error ? cause.message : String(cause ?? 'unknown error')}`,
      500,
      { cause, file },
    ),
  noPorts: (range: readonly [number, number]) => new MediaError('NO_PORTS', `no free RTP port pair in ${range[0]}-${range[1]}`, 503),
  streamClosed: (id: string) => new MediaError('STREAM_CLOSED', `media stream ${id} is closed`, 500),
  badOptions: (detail: string) => new MediaError('BAD_OPTIONS', `bad media options: ${detail}`, 500),
  /** A media worker thread died (or is not running): its streams are lost; a new stream gets 503. */
  workerFailed: (index: number, detail: string) => new MediaError('WORKER_FAILED', `media worker ${index} failed: ${detail}`, 503),
  /** sendDtmf with something that is not a DTMF key ('0'-'9', '*', '#', 'A'-'D'); `key` is the offending one. */
  badDtmfKey: (key: string) =>
    new MediaError('BAD_DTMF_KEY', key === '' ? 'no DTMF keys to send' : `not a DTMF key: ${JSON.stringify(key)} (use 0-9, *, #, A-D)`, 500, { key }),
};
