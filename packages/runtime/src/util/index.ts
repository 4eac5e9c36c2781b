export { TypedEmitter } from './typed-emitter.js';
export { threadCpuMs, threadCpuPreciseMs, threadRunQueueWaitMs } from './thread-cpu.js';
export { detachedString } from './detached-string.js';
export { IdleHeapTrim, lowMemoryCollection, type IdleHeapTrimOptions, type IdleHeapTrimStats } from './idle-heap-trim.js';
