import { createLogger, loadConfig, stopOnSignal } from '@roombook/kernel';
import { configSchema } from './config';
import { startRoomService } from './service';

const config = loadConfig(configSchema, { PORT: '4001', ...process.env });
startRoomService(config).then(
  (service) => stopOnSignal(() => service.stop(), createLogger('room', config.LOG_LEVEL)),
  (error: unknown) => {
    console.error('room subgraph failed to start:', error);
    process.exit(1);
  },
);
