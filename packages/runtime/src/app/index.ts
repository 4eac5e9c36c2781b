export { defineApp, isAppDefinition, routeInbound, type AppDefinition, type AppSetupServices, type InboundRoute } from './app-definition.js';
export {
  importApp,
  appDefinitionOf,
  flowsOf,
  configSchemaOf,
  isMachine,
  appEntry,
  appsDirOf,
  availableApps,
  DEFAULT_APPS_DIR,
  type ImportedApp,
  type ImportAppOptions,
} from './app-loader.js';
export { importFresh } from './module-loader.js';
export { assertFlowIdsUnique, type AppFlowIds } from './flow-ids.js';
export { AppLoadError, appLoadErrors, type AppLoadErrorCode } from './errors.js';
