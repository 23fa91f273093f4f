import { ApolloProvider } from '@apollo/client/react';
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createApolloClient, type RoombookClient } from '../apollo/createApolloClient';
import { isExpired, restoreSession, saveSession, type Role, type Session } from './session';

interface SessionValue {
  readonly session: Session | undefined;
  readonly client: RoombookClient;
  readonly signIn: (session: Session) => void;
  readonly signOut: () => void;
  readonly hasRole: (role: Role) => boolean;
}

const SessionContext = createContext<SessionValue | undefined>(undefined);

/**
 * The signed-in person and the Apollo Client that speaks for them. Signing in or out replaces the
 * client (its cache and its socket belong to one token); an expired token signs out.
 */
export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [session, setSession] = useState<Session | undefined>(restoreSession);
  const client = useMemo(() => createApolloClient(session?.token), [session?.token]);
  useEffect(() => () => client.dispose(), [client]);
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(() => setSession(undefined), Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session]);

  const value = useMemo<SessionValue>(
    () => ({
      session: session && !isExpired(session) ? session : undefined,
      client,
      signIn: (next) => {
        saveSession(next);
        setSession(next);
      },
      signOut: () => {
        saveSession(undefined);
        setSession(undefined);
      },
      hasRole: (role) => session?.roles.includes(role) ?? false,
    }),
    [session, client],
  );
  return (
    <SessionContext.Provider value={value}>
      <ApolloProvider client={client.apollo}>{children}</ApolloProvider>
    </SessionContext.Provider>
  );
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside <SessionProvider>');
  return value;
}
