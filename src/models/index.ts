/** Importing this module registers every model, so ensureIndexes sees them all. */
export * from './user';
export * from './phoneOwner';
export * from './message';
export * from './pushJob';
export * from './addressBook';
export * from './catalog';
export * from './sendDedup';
export * from './resetCode';
export * from './rateHit';
export * from './quotaHit';
export * from './pushClaim';
export * from './pushOutcome';
export * from './jobRun';
export * from './phoneHistory';
export * from './session';
