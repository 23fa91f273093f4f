import './tracing';
import { loadConfig, runUntilStopped } from '@roombook/kernel';
import { configSchema } from './config';
import { startReservationService } from './service';

const config = loadConfig(configSchema, { PORT: '4002', ...process.env });
runUntilStopped('reservation', config.LOG_LEVEL, () => startReservationService(config));
