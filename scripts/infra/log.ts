/** Where infrastructure code reports progress. Callers decide where lines go (terminal, Jest output, nowhere). */
export type Log = (line: string) => void;
