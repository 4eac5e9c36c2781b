export type * from './media-types.js';
export { MediaEngine, type MediaEngineOptionsExt } from './media-engine.js';
export { MediaStream, type MediaStreamStatsExt } from './media-stream.js';
export { MediaError, isMediaError, mediaErrors, type MediaErrorCode } from './errors.js';
export { parseDtmfRelay, parseDtmfInfo, type DtmfRelay } from './dtmf-relay.js';
export { LATENESS_BUCKETS_MS, MediaClock, type MediaClockOptions } from './media-clock.js';
export { createMediaEngine, type CreateMediaEngineOptions } from './create-media-engine.js';
export { WorkerMediaEngine, defaultMediaWorkers, type WorkerMediaEngineOptions, type MediaWorkerInfo } from './worker/worker-media-engine.js';
export { RemoteMediaStream } from './worker/remote-media-stream.js';
