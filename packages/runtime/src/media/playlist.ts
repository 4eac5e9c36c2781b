/**
 * A stream's playlist: which cached prompt frame goes out next. The media clock calls `copyNextFrame` once per
 * tick; it copies the cached encoded 160 bytes into the stream's packet buffer (no allocation), or reports
 * silence when empty.
 */
import type { G711Codec } from './g711.js';
import type { Prompt } from './prompt-cache.js';

interface Entry {
  prompt: Prompt;
  loop: boolean;
}

export class Playlist {
  readonly #entries: Entry[] = [];
  #frame = 0;
  /** Set when the last entry finished during `nextFrame`; the stream emits 'playlistEnded' and clears it. */
  ended = false;

  get length(): number {
    return this.#entries.length;
  }

  get playing(): boolean {
    return this.#entries.length > 0;
  }

  /** Path of the prompt now playing. */
  get current(): string | undefined {
    return this.#entries[0]?.prompt.path;
  }

  add(prompt: Prompt, options: { front?: boolean; loop?: boolean } = {}): void {
    const entry = { prompt, loop: options.loop ?? false };
    if (options.front) {
      // The prompt in front starts now: the interrupted one restarts from its beginning afterwards.
      this.#entries.unshift(entry);
      this.#frame = 0;
    } else this.#entries.push(entry);
  }

  /** Empty the playlist (no 'ended' signal). */
  flush(): void {
    this.#entries.length = 0;
    this.#frame = 0;
    this.ended = false;
  }

  /** Copy the next 20 ms frame (encoded for `codec`) into `out` at `offset` and advance; false when empty. */
  copyNextFrame(codec: G711Codec, out: Buffer, offset: number): boolean {
    const entry = this.#entries[0];
    if (!entry) return false;
    out.set(entry.prompt.frameViews[codec][this.#frame]!, offset);
    this.#frame++;
    if (this.#frame >= entry.prompt.frames) {
      this.#frame = 0;
      if (!entry.loop) {
        this.#entries.shift();
        if (this.#entries.length === 0) this.ended = true;
      }
    }
    return true;
  }
}
