import { recordProcess } from '../../scripts/infra/processRegistry';
import { OWNER_VARIABLE, WORKER_NAME } from './processReaper';

// A Jest worker of this run, so that the run's watcher ends it too when Jest's main process went
// away without ending it (see processReaper.ts). In-band, the "worker" is Jest's main process.
if (process.env[OWNER_VARIABLE] !== String(process.pid)) recordProcess(process.pid, WORKER_NAME, false);
