import { startTracing } from '@roombook/kernel/tracing';

// Before anything it instruments is loaded: main.ts imports this file first.
startTracing('router');
