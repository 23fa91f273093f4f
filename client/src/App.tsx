import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { useConnectionState } from './apollo/connectionStatus';
import { RoomPage } from './guest/RoomPage';
import { RoomSearch } from './guest/RoomSearch';
import { TripPage } from './guest/TripPage';
import { Trips } from './guest/Trips';
import { HostDashboard } from './host/HostDashboard';
import { RoomForm } from './host/RoomForm';
import { SignIn } from './session/SignIn';
import { useSession } from './session/SessionContext';
import type { Role } from './session/session';
import { Empty } from './ui/States';
import type { ReactNode } from 'react';

/** The header, the live connection's state, and the pages. */
export function App() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <ConnectionBanner />
      <main id="main" tabIndex={-1}>
        <Switch>
          <Route path="/" component={RoomSearch} />
          <Route path="/rooms/:id">{({ id }) => <RoomPage id={id} />}</Route>
          <Route path="/sign-in" component={SignIn} />
          <Route path="/trips">
            <Requires role="GUEST">
              <Trips />
            </Requires>
          </Route>
          <Route path="/trips/:id">
            {({ id }) => (
              <Requires>
                <TripPage id={id} />
              </Requires>
            )}
          </Route>
          <Route path="/host">
            <Requires role="HOST">
              <HostDashboard />
            </Requires>
          </Route>
          <Route path="/host/rooms/new">
            <Requires role="HOST">
              <RoomForm />
            </Requires>
          </Route>
          <Route path="/host/rooms/:id/edit">
            {({ id }) => (
              <Requires role="HOST">
                <RoomForm id={id} />
              </Requires>
            )}
          </Route>
          {/* The old live page's place: the host's live dashboard. */}
          <Route path="/live">
            <Redirect to="/host" replace />
          </Route>
          <Route>
            <Empty title="There is nothing here.">
              <Link href="/">Find a stay</Link>
            </Empty>
          </Route>
        </Switch>
      </main>
    </>
  );
}

function Header() {
  const { session, hasRole, signOut } = useSession();
  const [location] = useLocation();
  const current = (path: string) => (location === path ? ('page' as const) : undefined);
  return (
    <header className="site-header">
      <Link href="/" className="brand">
        Roombook
      </Link>
      <nav aria-label="Main">
        <ul>
          <li>
            <Link href="/" aria-current={current('/')}>
              Find a stay
            </Link>
          </li>
          {hasRole('GUEST') && (
            <li>
              <Link href="/trips" aria-current={current('/trips')}>
                My trips
              </Link>
            </li>
          )}
          {hasRole('HOST') && (
            <li>
              <Link href="/host" aria-current={current('/host')}>
                Host
              </Link>
            </li>
          )}
        </ul>
      </nav>
      <div className="account">
        {session ? (
          <>
            <span className="who">
              <span className="visually-hidden">Signed in as </span>
              {session.userId}
            </span>
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </>
        ) : (
          <Link href={`/sign-in?next=${encodeURIComponent(location)}`} className="button">
            Sign in
          </Link>
        )}
      </div>
    </header>
  );
}

/** Says when live updates are paused, and that they come back by themselves. */
function ConnectionBanner() {
  const { client } = useSession();
  const state = useConnectionState(client.connection);
  return (
    <div className="connection" role="status" data-state={state}>
      {state === 'reconnecting' && (
        <p className="notice notice-warning">
          <span aria-hidden="true">⟳</span> Reconnecting… live updates are paused and will catch up by themselves.
        </p>
      )}
    </div>
  );
}

/** A page for signed-in people (with a role, when given): others are asked to sign in. */
function Requires({ role, children }: { readonly role?: Role; readonly children: ReactNode }) {
  const { session, hasRole } = useSession();
  const [location] = useLocation();
  if (!session || (role && !hasRole(role))) {
    return (
      <Empty title={session ? `This page is for ${role === 'HOST' ? 'hosts' : 'guests'}.` : 'Please sign in first.'}>
        <Link href={`/sign-in?next=${encodeURIComponent(location)}`}>
          Sign in{role ? ` as a ${role === 'HOST' ? 'host' : 'guest'}` : ''}
        </Link>
      </Empty>
    );
  }
  return children;
}
