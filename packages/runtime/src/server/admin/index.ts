export type {
  AdminDeps,
  AdminApps,
  AdminAppInfo,
  AdminServer,
  AdminServerOptions,
  FlowDiagram,
  MediaMetrics,
  MetricsSnapshot,
  ReloadResult,
} from './admin-types.js';
export { startAdminServer, summarizeCall } from './admin-server.js';
export { AdminError, adminErrors, type AdminErrorCode } from './errors.js';
export { AdminClient, parseAdminAddress, type AdminClientOptions } from './admin-client.js';
export { renderDiagramSvg } from './diagram-svg.js';
export { isLoopbackHost } from './auth.js';
export type { CallSummary, CallsResponse, CallResponse, AppsResponse, ReloadResponse, HealthResponse } from './api-schemas.js';
export { callsCommand, callCommand, reloadCommand, formatAge, formatTable, EXIT as CLI_EXIT, type CliIo } from './cli-commands.js';
