/**
 * Connection-string edits, by MongoDB's own parser (`mongodb-connection-string-url`, the one
 * the driver uses), which, unlike WHATWG `URL`, takes the several hosts of a replica set and
 * the `mongodb+srv` rules.
 */
import { ConnectionString } from 'mongodb-connection-string-url';

/**
 * `uri` naming database `name` instead of its own. With credentials, a database given in the
 * URI stays the authentication database unless authSource says otherwise, as the driver takes
 * it. Used where a process works on a database of its own at a given server: the embedded
 * database's `pictever` (npm start), the scripts and the bench, each test file.
 */
export function withDatabase(uri: string, name: string): string {
  let cs: ConnectionString;
  try {
    cs = new ConnectionString(uri);
  } catch (err) {
    throw new Error(`MONGODB_URI is not a mongodb:// or mongodb+srv:// URI (${(err as Error).message})`);
  }
  const given = decodeURIComponent(cs.pathname.replace(/^\//, ''));
  if (cs.username && given && !cs.searchParams.has('authSource')) cs.searchParams.set('authSource', given);
  cs.pathname = `/${encodeURIComponent(name)}`;
  return cs.toString();
}
