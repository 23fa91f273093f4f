import './tracing';
import { loadConfig, runUntilStopped } from '@roombook/kernel';
import { configSchema } from './config';
import { startRoomService } from './service';

const config = loadConfig(configSchema, { PORT: '4001', ...process.env });
runUntilStopped('room', config.LOG_LEVEL, () => startRoomService(config));
