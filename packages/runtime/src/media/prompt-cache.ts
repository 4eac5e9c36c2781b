/**
 * Prompts: a WAV file in any format wavefile reads (PCM 8/16/24/32-bit, float, A-law, µ-law; any rate, any
 * channel count) is converted once to 8 kHz mono 16-bit, encoded once per codec, and cached by path + mtime.
 * Playback then copies 160 cached bytes per tick: no per-packet encoding.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import wavefile from 'wavefile';
import { mediaErrors } from './errors.js';
import { encode, type G711Codec, ULAW_SILENCE, ALAW_SILENCE } from './g711.js';

export const SAMPLES_PER_FRAME = 160;

export interface Prompt {
  readonly path: string;
  readonly mtimeMs: number;
  /** 8 kHz mono linear samples (not padded). */
  readonly pcm: Int16Array;
  /** Number of 20 ms frames (the last one padded with silence). */
  readonly frames: number;
  /** Encoded audio, `frames * 160` bytes per codec. */
  readonly encoded: Readonly<Record<G711Codec, Buffer>>;
  /** Views of each 20 ms frame of `encoded` (made once: playback copies with a native TypedArray.set). */
  readonly frameViews: Readonly<Record<G711Codec, readonly Uint8Array[]>>;
  /**
   * The memory behind `encoded`: PCMU at 0, PCMA at `frames * 160`. A SharedArrayBuffer, so media workers play
   * the same bytes without a copy (see `sharedPromptData`).
   */
  readonly shared: SharedArrayBuffer;
}

/** What a media worker needs to rebuild a prompt over the same shared memory (structured-cloneable). */
export interface SharedPromptData {
  path: string;
  mtimeMs: number;
  frames: number;
  shared: SharedArrayBuffer;
}

export function sharedPromptData(p: Prompt): SharedPromptData {
  return { path: p.path, mtimeMs: p.mtimeMs, frames: p.frames, shared: p.shared };
}

/** The prompt over `data.shared` (no copy). `pcm` is empty: playback needs only the encoded frames. */
export function promptFromShared(data: SharedPromptData): Prompt {
  return promptOver(data.path, new Int16Array(0), data.frames, data.shared, data.mtimeMs);
}

function promptOver(path: string, pcm: Int16Array, frames: number, shared: SharedArrayBuffer, mtimeMs: number): Prompt {
  const bytes = frames * SAMPLES_PER_FRAME;
  const pcmu = Buffer.from(shared, 0, bytes);
  const pcma = Buffer.from(shared, bytes, bytes);
  const views = (b: Buffer) => Array.from({ length: frames }, (_, f) => b.subarray(f * SAMPLES_PER_FRAME, (f + 1) * SAMPLES_PER_FRAME));
  return { path, mtimeMs, pcm, frames, encoded: { PCMU: pcmu, PCMA: pcma }, frameViews: { PCMU: views(pcmu), PCMA: views(pcma) }, shared };
}

/** Convert WAV bytes to 8 kHz mono int16. Throws on anything wavefile cannot read. */
export function wavTo8kMono(bytes: Uint8Array): Int16Array {
  const wav = new wavefile.WaveFile(bytes);
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
  if (fmt.audioFormat === 6) wav.fromALaw('16');
  else if (fmt.audioFormat === 7) wav.fromMuLaw('16');
  else if (fmt.audioFormat !== 1 && fmt.audioFormat !== 3 && fmt.audioFormat !== 65534) {
    throw new Error(`unsupported WAV format ${fmt.audioFormat} (need PCM, float, A-law or µ-law)`);
  }
  if (!fmt.numChannels || !fmt.sampleRate) throw new Error('WAV header has no channels or sample rate');
  if ((wav as unknown as { bitDepth: string }).bitDepth !== '16') wav.toBitDepth('16');
  if (fmt.sampleRate !== 8000) wav.toSampleRate(8000);
  const channels = fmt.numChannels;
  const raw = wav.getSamples(false, Int16Array) as unknown as Int16Array | Int16Array[];
  if (channels === 1 && !Array.isArray(raw)) return raw;
  const chans = Array.isArray(raw) ? raw : [raw];
  const n = chans[0]?.length ?? 0;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const c of chans) sum += c[i] ?? 0;
    out[i] = Math.round(sum / chans.length);
  }
  return out;
}

/** Build a prompt from 8 kHz mono samples (also used by tests and generated tones). */
export function promptFromPcm(path: string, pcm: Int16Array, mtimeMs = 0): Prompt {
  const frames = Math.max(1, Math.ceil(pcm.length / SAMPLES_PER_FRAME));
  const prompt = promptOver(path, pcm, frames, new SharedArrayBuffer(2 * frames * SAMPLES_PER_FRAME), mtimeMs);
  prompt.encoded.PCMU.fill(ULAW_SILENCE);
  prompt.encoded.PCMA.fill(ALAW_SILENCE);
  encode('PCMU', pcm).copy(prompt.encoded.PCMU);
  encode('PCMA', pcm).copy(prompt.encoded.PCMA);
  return prompt;
}

export interface PromptCacheOptions {
  /**
   * How long a file's mtime check holds, ms (default 1000): a prompt edited while serving is played anew within a
   * second, and a busy server does not stat the file on every play (one stat per play was ≈ 2 % of the main
   * thread on quizconnect's real workload).
   */
  recheckMs?: number;
  /** Clock for the recheck window (tests). */
  now?: () => number;
}

/**
 * Decoded prompts by absolute path. A play looks its prompt up synchronously (`get`): read and decoded at its first
 * play (and again when the file's mtime changes), from memory after that. So a play's outcome is known when it is
 * called: prompts queue in the order they were played, and a missing or unreadable file fails before the flow sees
 * any later event (as DSM's playFile throws at once, and the script's next transition sees the error). The file is
 * read once per mtime; the decode was always synchronous work on this thread.
 */
export class PromptCache {
  readonly #entries = new Map<string, Prompt>();
  /** When each path's mtime was last checked against its cached prompt. */
  readonly #checkedAt = new Map<string, number>();
  readonly #recheckMs: number;
  readonly #now: () => number;

  constructor(options: PromptCacheOptions = {}) {
    this.#recheckMs = options.recheckMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Number of cached prompts. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The prompt at `path`: from the cache when its mtime is unchanged (not even a stat within `recheckMs` of the last
   * check), else read and decoded now. Throws MediaError 'PROMPT_UNREADABLE' naming the file.
   */
  get(path: string): Prompt {
    const abs = resolve(path);
    const cached = this.#entries.get(abs);
    const checkedAt = this.#checkedAt.get(abs);
    if (cached && checkedAt !== undefined && this.#now() - checkedAt < this.#recheckMs) return cached;
    let prompt: Prompt;
    try {
      const st = statSync(abs);
      if (!st.isFile()) throw new Error('not a regular file');
      if (cached && cached.mtimeMs === st.mtimeMs) prompt = cached;
      else {
        const pcm = wavTo8kMono(readFileSync(abs));
        if (pcm.length === 0) throw new Error('no audio samples');
        prompt = promptFromPcm(abs, pcm, st.mtimeMs);
      }
    } catch (err) {
      this.#entries.delete(abs);
      this.#checkedAt.delete(abs);
      throw mediaErrors.promptUnreadable(path, err);
    }
    this.#entries.set(abs, prompt);
    this.#checkedAt.set(abs, this.#now());
    return prompt;
  }

  /** `get()` as a promise: rejects with MediaError 'PROMPT_UNREADABLE' naming the file. */
  load(path: string): Promise<Prompt> {
    try {
      return Promise.resolve(this.get(path));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#checkedAt.clear();
  }
}
