import { useSyncExternalStore } from 'react';

/**
 * The live connection as a person should hear about it: `idle` (nothing live on this page),
 * `connected`, or `reconnecting` (the connection was lost; updates resume when it is back).
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

type Listener = () => void;

/** One value and its listeners, for React's useSyncExternalStore. */
export class ConnectionStatus {
  private state: ConnectionState = 'idle';
  private readonly listeners = new Set<Listener>();

  get current(): ConnectionState {
    return this.state;
  }

  set(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.listeners) listener();
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

export function useConnectionState(status: ConnectionStatus): ConnectionState {
  return useSyncExternalStore(status.subscribe, () => status.current);
}
