/**
 * The generators, in the order their output is merged into the template. Each returns resources
 * and outputs keyed by logical IDs from macro/naming.ts. To add one: import it and list it here.
 */
import { alarmsGenerator } from './alarms';
import { autoscalingGenerator } from './autoscaling';
import { copyGenerator } from './copy';
import { dashboardGenerator } from './dashboard';
import { indexesGenerator } from './indexes';
import { loadGenerator } from './load';
import { outputsGenerator } from './outputs';
import { withLongOperations } from './long-operations';
import { replicasGenerator } from './replicas';
import { tableGenerator } from './table';
import type { Finisher, Generator } from './types';

export const generators: readonly Generator[] = [
  tableGenerator,
  copyGenerator,
  indexesGenerator,
  autoscalingGenerator,
  replicasGenerator,
  loadGenerator,
  alarmsGenerator,
  dashboardGenerator,
  outputsGenerator,
];

/** Steps that run on everything the generators made for one table, in this order. */
export const finishers: readonly Finisher[] = [withLongOperations];
