/** `npm run devdb:build`: compiles the embedded database now (CI does it before testing). */
import { ensureDevDbBinary } from './lib/devdb';

const bin = ensureDevDbBinary((line) => process.stdout.write(`${line}\n`));
process.stdout.write(`embedded database ready: ${bin}\n`);
