import { createLogger, loadConfig, stopOnSignal } from '@roombook/kernel';
import { configSchema } from './config';
import { startPaymentService } from './service';

const config = loadConfig(configSchema, { PORT: '4003', ...process.env });
startPaymentService(config).then(
  (service) => stopOnSignal(() => service.stop(), createLogger('payment', config.LOG_LEVEL)),
  (error: unknown) => {
    console.error('payment subgraph failed to start:', error);
    process.exit(1);
  },
);
