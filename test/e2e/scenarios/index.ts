/** Every scenario, in the order the runners run them. */
import type { Scenario } from '../scenario';
import { scenario as rollbackLoad } from './rollback-load';
import { scenario as rollbackReplicas } from './rollback-replicas';
import { scenario as rollbackTable } from './rollback-table';
import { scenario as removeRegions } from './remove-regions';
import { scenario as deleteRetain } from './delete-retain';
import { scenario as deletePolicyDelete } from './delete-policy-delete';
import { scenario as timeoutReplicaCreate } from './timeout-replica-create';
import { scenario as duplicateDelivery } from './duplicate-delivery';
import { scenario as deleteRacesCreate } from './delete-races-create';
import { scenario as gsiReplicatedProvisioned } from './gsi-replicated-provisioned';
import { scenario as replicasOnNewStream } from './replicas-on-new-stream';
import { scenario as gsiAtCreate } from './gsi-at-create-replicated';
import { scenario as mrscTwoReplicas } from './mrsc-two-replicas';
import { scenario as mrscWitness } from './mrsc-witness';
import { scenario as mrscRefusals } from './mrsc-refusals';
import { scenario as mrscRollbackWithItems } from './mrsc-rollback-with-items';
import { scenario as mrscFromEventual } from './mrsc-from-eventual';
import { scenario as replicaIndexSettings } from './replica-index-settings';

export const SCENARIOS: readonly Scenario[] = [
  rollbackLoad,
  rollbackReplicas,
  rollbackTable,
  removeRegions,
  deleteRetain,
  deletePolicyDelete,
  timeoutReplicaCreate,
  duplicateDelivery,
  deleteRacesCreate,
  gsiAtCreate,
  gsiReplicatedProvisioned,
  replicasOnNewStream,
  mrscTwoReplicas,
  mrscWitness,
  mrscRefusals,
  mrscRollbackWithItems,
  mrscFromEventual,
  replicaIndexSettings,
];
