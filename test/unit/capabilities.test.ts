/**
 * Telling the embedded database from a MongoDB by `buildInfo` (src/db/capabilities.ts),
 * with answers as each server gives them.
 */
import { capabilitiesFromBuildInfo } from '../../src/db/capabilities';

/** The embedded database's answer, as test/integration/indexes.test.ts receives it. */
const EMBEDDED_FERRETDB = {
  version: '7.0.42',
  gitVersion: 'unknown',
  modules: [],
  sysInfo: 'deprecated',
  versionArray: [7, 0, 42, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: 16777216,
  buildEnvironment: {},
  ferretdbVersion: 'unknown', // built from FerretDB's Go package without its version stamp
  ferretdbFeatures: {
    aggregationStages: ['$addFields', '$count', '$match', '$set', '$sort', '$collStats', '$group', '$limit'],
  },
  ok: 1,
};

/** A released FerretDB names its version; either of its keys is enough. */
const { ferretdbFeatures: _features, ...withoutFeatures } = EMBEDDED_FERRETDB;
const RELEASED_FERRETDB = { ...withoutFeatures, ferretdbVersion: 'v1.24.0' };

/** The fields MongoDB's manual lists for buildInfo, with values a 7.0 community server gives. */
const MONGODB_7 = {
  version: '7.0.14',
  gitVersion: 'ce59cfc6a3c5e5c067dca0d30697edd68d4f5188',
  modules: [],
  allocator: 'tcmalloc',
  javascriptEngine: 'mozjs',
  sysInfo: 'deprecated',
  versionArray: [7, 0, 14, 0],
  openssl: { running: 'OpenSSL 3.0.2 15 Mar 2022', compiled: 'OpenSSL 3.0.2 15 Mar 2022' },
  buildEnvironment: { distmod: 'ubuntu2204', distarch: 'x86_64', target_arch: 'x86_64', target_os: 'linux' },
  bits: 64,
  debug: false,
  maxBsonObjectSize: 16777216,
  storageEngines: ['devnull', 'wiredTiger'],
  ok: 1,
};

/** Atlas runs the enterprise build. */
const ATLAS_8 = { ...MONGODB_7, version: '8.0.4', versionArray: [8, 0, 4, 0], modules: ['enterprise'] };

describe('capabilitiesFromBuildInfo', () => {
  it('when the embedded database answers then it is FerretDB, without TTL indexes', () => {
    expect(capabilitiesFromBuildInfo(EMBEDDED_FERRETDB)).toEqual({
      server: 'ferretdb',
      version: '7.0.42',
      ttl: false,
    });
  });

  it('when a FerretDB answers with only its version key then it is FerretDB too', () => {
    expect(capabilitiesFromBuildInfo(RELEASED_FERRETDB)).toMatchObject({ server: 'ferretdb', ttl: false });
  });

  it('when a MongoDB answers then TTL indexes are used', () => {
    expect(capabilitiesFromBuildInfo(MONGODB_7)).toEqual({ server: 'mongodb', version: '7.0.14', ttl: true });
    expect(capabilitiesFromBuildInfo(ATLAS_8)).toEqual({ server: 'mongodb', version: '8.0.4', ttl: true });
  });

  it('when FerretDB claims a MongoDB version then its own keys still decide', () => {
    // Its `version` says 7.0.42: the version string alone cannot tell the servers apart.
    expect(capabilitiesFromBuildInfo({ ...MONGODB_7, ferretdbVersion: 'v1.24.0' }).ttl).toBe(false);
  });
});
