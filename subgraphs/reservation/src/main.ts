import { createLogger, loadConfig, stopOnSignal } from '@roombook/kernel';
import { configSchema } from './config';
import { startReservationService } from './service';

const config = loadConfig(configSchema, { PORT: '4002', ...process.env });
startReservationService(config).then(
  (service) => stopOnSignal(() => service.stop(), createLogger('reservation', config.LOG_LEVEL)),
  (error: unknown) => {
    console.error('reservation subgraph failed to start:', error);
    process.exit(1);
  },
);
