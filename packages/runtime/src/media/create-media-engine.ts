/**
 * The one way the server makes its media engine: on `workers` media worker threads (the default: cores − 1, at
 * least 1), or, with `workers: 0`, in the calling thread (the engine before media workers, kept to compare the two
 * and for tests that want either).
 */
import { MediaEngine, type MediaEngineOptionsExt } from './media-engine.js';
import { WorkerMediaEngine, defaultMediaWorkers } from './worker/worker-media-engine.js';

export interface CreateMediaEngineOptions extends MediaEngineOptionsExt {
  /** Media worker threads; 0 runs the engine in this thread. Default: cores − 1, at least 1. */
  workers?: number;
}

export async function createMediaEngine(options: CreateMediaEngineOptions): Promise<MediaEngine | WorkerMediaEngine> {
  const { workers = defaultMediaWorkers(), ...rest } = options;
  if (workers === 0) return MediaEngine.create(rest);
  return WorkerMediaEngine.create({ ...rest, workers });
}
