/** npm run token -- --sub alice --roles HOST,GUEST [--expires 1h]: prints a token signed with JWT_SECRET. */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { loadConfig } from '@roombook/kernel';
import { configSchema } from '../router/src/config';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    roles: { type: 'string', default: 'GUEST' },
    expires: { type: 'string', default: '12h' },
  },
});
if (!values.sub) {
  console.error('usage: npm run token -- --sub <user id> [--roles HOST,GUEST,ADMIN] [--expires 12h]');
  process.exit(2);
}
const { JWT_SECRET } = loadConfig(configSchema);
const roles = values.roles
  .split(',')
  .map((role) => role.trim().toUpperCase())
  .filter(Boolean);
void new SignJWT({ roles })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(values.sub)
  .setIssuedAt()
  .setExpirationTime(values.expires)
  .sign(new TextEncoder().encode(JWT_SECRET))
  .then((token) => console.log(token));
