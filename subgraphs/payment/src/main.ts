import './tracing';
import { loadConfig, runUntilStopped } from '@roombook/kernel';
import { configSchema } from './config';
import { startPaymentService } from './service';

const config = loadConfig(configSchema, { PORT: '4003', ...process.env });
runUntilStopped('payment', config.LOG_LEVEL, () => startPaymentService(config));
