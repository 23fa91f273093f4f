import './tracing';
import { loadConfig, runUntilStopped } from '@roombook/kernel';
import { configSchema } from './config';
import { startDashboardService } from './service';

const config = loadConfig(configSchema, { PORT: '4005', ...process.env });
runUntilStopped('dashboard', config.LOG_LEVEL, () => startDashboardService(config));
