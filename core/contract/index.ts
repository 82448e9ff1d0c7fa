/**
 * The typed contract between the renderer and the engine's host (Electron main process or the browser host).
 * surface.ts lists the methods; schemas.ts validates requests; types.ts and api.ts type the answers and every
 * side's API; wire.ts frames messages for the browser bridge. errors.ts is the error union all of them carry.
 */
export * from './api';
export * from './errors';
export * from './surface';
export * from './types';
export * from './wire';
