import { useEffect, useId, useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { developmentToken, fetchSignInOptions, sessionOf, ROLES, type Role, type SignInOptions } from './session';
import { useSession } from './SessionContext';

/** Where to go after signing in: only a path of this app, never another site. */
function nextPath(search: string, roles: readonly Role[]): string {
  const next = new URLSearchParams(search).get('next');
  if (next?.startsWith('/') && !next.startsWith('//')) return next;
  return roles.includes('HOST') && !roles.includes('GUEST') ? '/host' : '/';
}

/**
 * Signing in. Outside production the router signs a token for any name and roles (POST /dev/token);
 * in production the operator's identity provider does, and sends people back with `#token=...`,
 * or a person pastes a token they were given.
 */
export function SignIn() {
  const { signIn } = useSession();
  const [, navigate] = useLocation();
  const search = useSearch();
  const id = useId();
  const [options, setOptions] = useState<SignInOptions>();
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<readonly Role[]>(['GUEST']);
  const [pasted, setPasted] = useState('');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void fetchSignInOptions().then(setOptions);
  }, []);

  const finish = (token: string) => {
    const session = sessionOf(token);
    if (!session) {
      setProblem('That is not a token this app can use (a JWT with a subject and an expiry).');
      return;
    }
    signIn(session);
    navigate(nextPath(search, session.roles));
  };

  const signInForDevelopment = async (event: FormEvent) => {
    event.preventDefault();
    if (roles.length === 0) {
      setProblem('Choose at least one role.');
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      finish(await developmentToken(name.trim(), roles));
    } catch (error) {
      setProblem(`Signing in did not work: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="sign-in-title" className="narrow">
      <h1 id="sign-in-title">Sign in</h1>
      {problem && (
        <p className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
      {options?.signInUrl && (
        <p>
          <a className="button primary" href={options.signInUrl}>
            Sign in with your account
          </a>
        </p>
      )}
      {options?.devSignIn && (
        <form
          className="stacked panel"
          onSubmit={(event) => void signInForDevelopment(event)}
          aria-labelledby={`${id}-dev`}
        >
          <h2 id={`${id}-dev`}>Development sign-in</h2>
          <p className="hint">This router signs a token for any name: it is not running in production.</p>
          <div className="field">
            <label htmlFor={`${id}-name`}>Your name</label>
            <input
              id={`${id}-name`}
              required
              maxLength={60}
              pattern="[A-Za-z0-9._\-]+"
              value={name}
              onChange={(event) => setName(event.target.value)}
              aria-describedby={`${id}-name-hint`}
            />
            <p id={`${id}-name-hint`} className="hint">
              Letters, digits, dots, dashes; it is your user id.
            </p>
          </div>
          <fieldset>
            <legend>Roles</legend>
            {ROLES.map((role) => (
              <label key={role} className="check">
                <input
                  type="checkbox"
                  checked={roles.includes(role)}
                  onChange={(event) =>
                    setRoles(event.target.checked ? [...roles, role] : roles.filter((each) => each !== role))
                  }
                />
                {role === 'GUEST' ? 'Guest (book rooms)' : role === 'HOST' ? 'Host (list rooms)' : 'Admin'}
              </label>
            ))}
          </fieldset>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      )}
      <form
        className="stacked panel"
        onSubmit={(event) => {
          event.preventDefault();
          finish(pasted.trim());
        }}
        aria-labelledby={`${id}-paste`}
      >
        <h2 id={`${id}-paste`}>Use a token</h2>
        <div className="field">
          <label htmlFor={`${id}-token`}>Token (JWT)</label>
          <textarea
            id={`${id}-token`}
            rows={3}
            required
            value={pasted}
            onChange={(event) => setPasted(event.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <button type="submit">Sign in with this token</button>
      </form>
    </section>
  );
}
