/**
 * The house's rooms and the one direction dependencies point (docs/architecture.md):
 *   functions -> api -> services -> store / channels / messaging -> core
 * `npm run lint` (part of `npm test`) fails on any arrow that breaks these rules.
 */
const pkg = (name) => `^packages/${name}/`;

module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'core holds the domain: schemas, state machines, policies, errors. It depends on zod only.',
      severity: 'error',
      from: { path: pkg('core'), pathNot: '\\.test\\.ts$' },
      to: { pathNot: [pkg('core'), '^node_modules/zod/'] },
    },
    {
      name: 'store-below-services',
      comment: 'store knows DynamoDB and the domain, nothing above it.',
      severity: 'error',
      from: { path: pkg('store') },
      to: { path: [pkg('services'), pkg('api'), pkg('local'), pkg('channels'), pkg('messaging')] },
    },
    {
      name: 'channels-below-services',
      comment: 'channels parse, verify and send; they do not store or run use cases.',
      severity: 'error',
      from: { path: pkg('channels') },
      to: { path: [pkg('services'), pkg('api'), pkg('local'), pkg('store'), pkg('messaging')] },
    },
    {
      name: 'messaging-below-services',
      comment: 'messaging publishes and delivers; it may read the store, never run use cases.',
      severity: 'error',
      from: { path: pkg('messaging') },
      to: { path: [pkg('services'), pkg('api'), pkg('local'), pkg('channels')] },
    },
    {
      name: 'services-know-no-http',
      comment: 'use cases know nothing of HTTP: no hono, no route, no AWS SDK (they ask the store).',
      severity: 'error',
      from: { path: pkg('services') },
      to: { path: [pkg('api'), pkg('local'), '^node_modules/(hono|@hono)/', '^node_modules/@aws-sdk/'] },
    },
    {
      name: 'services-ask-repositories',
      comment: 'services compose transactions from repository parts; key names stay in the store.',
      severity: 'error',
      from: { path: pkg('services') },
      to: { path: `${pkg('store')}src/keys\\.ts$` },
    },
    {
      name: 'api-adapts-services',
      comment: 'the HTTP app adapts requests to services; it never touches the store or the AWS SDK.',
      severity: 'error',
      from: { path: pkg('api') },
      to: { path: [pkg('store'), pkg('messaging'), pkg('local'), '^node_modules/@aws-sdk/'] },
    },
    {
      name: 'only-hosts-use-local',
      comment: 'the local runtime is a host, like functions/: nothing in the product depends on it.',
      severity: 'error',
      from: { path: '^(packages|functions|infra)/', pathNot: pkg('local') },
      to: { path: pkg('local') },
    },
    {
      name: 'client-is-for-callers',
      comment:
        'the typed client calls the API from outside (tests, a console served by the api); ' +
        'the rooms below the API never call it over HTTP.',
      severity: 'error',
      from: { path: [pkg('core'), pkg('store'), pkg('services'), pkg('channels'), pkg('messaging')] },
      to: { path: [pkg('client'), '^node_modules/openapi-fetch/'] },
    },
    {
      name: 'client-knows-only-the-contract',
      comment: 'the client is generated from packages/api/openapi.json; it imports no other package of ours.',
      severity: 'error',
      from: { path: pkg('client') },
      to: { path: '^packages/', pathNot: pkg('client') },
    },
    {
      name: 'packages-by-name',
      comment: 'import another package by its name and subpath export (@cc/store/keys), never by a path into its src/',
      severity: 'error',
      from: { path: '^(packages/([^/]+)|functions|infra|tests|bench)/' },
      to: {
        path: '^packages/([^/]+)/src/',
        pathNot: '^packages/$2/',
        dependencyTypes: ['local'],
        dependencyTypesNot: ['aliased', 'aliased-workspace', 'undetermined'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    exclude: { path: ['^cdk\\.out/', '^\\.data/', '^\\.scratch/'] },
  },
};
