/**
 * The registry of custom-resource types the provider serves. provider/handler.ts dispatches
 * each event by its ResourceType to the entry here; an unknown type gets a FAILED response.
 * One line per handler: add yours, never reorder or rename the types (templates name them).
 */
import type { ResourceHandler } from './types';
import { replicasHandler } from './replicas/handler';
import { loadHandler } from './load/handler';
import { indexesHandler } from './indexes/handler';
import { indexesPrecheckHandler } from './indexes/precheck';
import { exportHandler } from './exports/handler';

export const resourceHandlers: ReadonlyArray<ResourceHandler<unknown>> = [
  replicasHandler as ResourceHandler<unknown>,
  loadHandler as ResourceHandler<unknown>,
  indexesHandler as ResourceHandler<unknown>,
  indexesPrecheckHandler as ResourceHandler<unknown>,
  exportHandler as ResourceHandler<unknown>,
];
