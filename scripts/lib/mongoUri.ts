/**
 * `uri` naming database `name` instead of its own, by text: a replica-set URI lists several
 * hosts, which the URL parser refuses. With credentials, a database given in the URI stays
 * the authentication database unless authSource says otherwise, as the driver takes it.
 * Used by the scripts and the bench that run on a database of their own at MONGODB_URI.
 */
export function withDatabase(uri: string, name: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/.exec(uri);
  if (!m) throw new Error('MONGODB_URI is not a mongodb:// or mongodb+srv:// URI');
  const [, hosts, givenDb, query] = m;
  const params = new URLSearchParams(query ?? '');
  const credentials = hosts!.includes('@');
  if (credentials && givenDb && !params.has('authSource'))
    params.set('authSource', decodeURIComponent(givenDb));
  const q = params.toString();
  return `${hosts}/${name}${q ? `?${q}` : ''}`;
}
