/**
 * The layering of ../shared/STYLE.md, checked in CI by `npm run lint:layers`
 * (dependency-cruiser reads the imports of src/, workers/ and scripts/).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle means two files cannot be understood (or moved) one without the other.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment:
        'src/domain holds the rules alone: no Express, no Mongoose, no other layer (Node built-ins are fine).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'crypto-is-pure',
      comment:
        'src/crypto holds the keys and the codec alone (the models, the import and rotate-keys use it): only Node built-ins.',
      severity: 'error',
      from: { path: '^src/crypto/' },
      to: { pathNot: '^src/crypto/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'services-below-http',
      comment:
        'Use cases never see req/res: they throw AppError (src/errors.ts), the edge turns it into an answer.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/(http|routes)/' },
    },
    {
      name: 'src-stands-alone',
      comment: 'The web process and the shared code never reach into the worker, the scripts or the bench.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(workers|scripts|bench)/' },
    },
    {
      name: 'worker-not-web',
      comment:
        'The worker is not a web process. Its metrics port shares only the operator edge: the token check and readiness handler (http/operator) and the error answers (http/errors).',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: '^src/(routes|http)/', pathNot: '^src/http/(operator|errors)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
