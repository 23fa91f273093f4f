import './tracing';
import { loadConfig, runUntilStopped } from '@roombook/kernel';
import { configSchema } from './config';
import { startReviewService } from './service';

const config = loadConfig(configSchema, { PORT: '4004', ...process.env });
runUntilStopped('review', config.LOG_LEVEL, () => startReviewService(config));
