export { TypedEmitter } from './typed-emitter.js';
export { threadCpuMs, threadCpuPreciseMs, openRunQueueWait } from './thread-cpu.js';
export { detachedString } from './detached-string.js';
export { IdleHeapTrim, lowMemoryCollection, type IdleHeapTrimOptions, type IdleHeapTrimStats } from './idle-heap-trim.js';
