/** An aggregate's state carries its id and a version that increases with every change. */
export interface Versioned {
  readonly id: string;
  readonly version: number;
}

/** Where use cases read the time, so tests can fix it. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
