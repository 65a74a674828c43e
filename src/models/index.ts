/** Importing this module registers every model, so ensureIndexes sees them all. */
export * from './user';
export * from './phoneOwner';
export * from './message';
export * from './pushJob';
export * from './addressBook';
