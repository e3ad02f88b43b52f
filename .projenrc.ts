import { awscdk, javascript } from 'projen';

// One place for the versions the library is built and tested against.
// aws-cdk-lib 2.257.0 is the lowest version cdk-nag 3 accepts; it is also our peer-dependency floor.
const CDK_VERSION = '2.257.0';
const CONSTRUCTS_VERSION = '10.5.1';
// The nearest integ-tests-alpha the registry serves for our CDK range (checked with `npm view`).
const INTEG_TESTS_ALPHA_VERSION = '2.245.0-alpha.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-llm-gateway',
  description:
    'AWS CDK construct that puts LLM agents behind one governed LiteLLM gateway on ECS Fargate in front of Amazon Bedrock: model aliases, routing, fallback, rate limits and spend per agent.',
  keywords: ['cdk', 'awscdk', 'aws-cdk', 'litellm', 'bedrock', 'llm', 'gateway', 'ecs', 'fargate', 'openai'],
  author: 'cdk-llm-gateway developers',
  authorAddress: 'maintainers@cdk-llm-gateway.dev',
  repositoryUrl: 'https://github.com/cdk-llm-gateway/cdk-llm-gateway.git',
  homepage: 'https://github.com/cdk-llm-gateway/cdk-llm-gateway',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // Keep projen's own tsconfig inside .projen/ so the top level holds only the project's folders.
  projenrcTsOptions: { projenCodeDir: '.projen' },
  minNodeVersion: '20.0.0',

  cdkVersion: CDK_VERSION,
  constructsVersion: CONSTRUCTS_VERSION,
  jsiiVersion: '~6.0.0',

  // jsii writes its own tsconfig.json at compile time; tests, integ cases and .projenrc.ts share tsconfig.dev.json.
  disableTsconfig: true,
  tsconfigDev: {
    include: ['integ/**/*.ts', '.projenrc.ts'],
    compilerOptions: {},
  },

  publishToPypi: {
    distName: 'cdk-llm-gateway',
    module: 'cdk_llm_gateway',
  },

  // CI is .ci/run; no hosted workflows, no release automation in this repository.
  github: false,
  release: false,
  sampleCode: false,

  bundledDeps: ['yaml@^2.8.0'],
  devDeps: [
    'cdk-nag@^3.0.2',
    'fast-check@^4',
    // AWS Control Tower's proactive controls as cfn-guard rules, with the cfn-guard binary (no download at install).
    '@cdklabs/cdk-validator-cfnguard@0.0.62',
    `@aws-cdk/integ-tests-alpha@${INTEG_TESTS_ALPHA_VERSION}`,
    '@aws-cdk/integ-runner@^2.197.10',
  ],

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'integ'],
    // One explicit program for src, tests and integ cases: jsii writes tsconfig.json only when it compiles.
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },
  jestOptions: {
    jestConfig: {
      testTimeout: 120_000,
    },
  },

  gitignore: ['cdk.out/', '*.cdk.out/', '__pycache__/', '*.pyc', '.pytest_cache/', '.venv/', '/dist/', '/integ/cdk-integ.out.*', '.jsii.tabl.json', '/.twin/'],
});

for (const pattern of ['/integ/', '/.ci/', '/assets/integ-probe/', 'cdk.out/', '__pycache__/', '*.pyc', '.pytest_cache/', '/assets/**/tests/', '/assets/**/bench/', '/assets/twin/', '.venv/', '/.twin/']) {
  project.addPackageIgnore(pattern);
}

// PyPI metadata beyond what jsii-pacmak derives (description, license, URLs, python_requires, Python versions):
// projen's publishToPypi has no classifiers option, jsii reads them from jsii.targets.python.classifiers.
project.package.file.addOverride('jsii.targets.python.classifiers', [
  'License :: OSI Approved :: Apache Software License',
  'Framework :: AWS CDK',
  'Framework :: AWS CDK :: 2',
  'Topic :: Software Development :: Libraries',
  'Topic :: Scientific/Engineering :: Artificial Intelligence',
]);

// The README's main job: synthesize the reference deployment without AWS credentials or Docker.
project.addTask('example', {
  description: 'Synthesize the reference deployment into cdk.out/ and print a summary',
  env: { TS_NODE_TRANSPILE_ONLY: '1' },
  exec: 'ts-node --project tsconfig.dev.json integ/reference-app.ts',
});

// Integ tests: `integ` verifies the committed snapshots offline; `integ:update` rewrites them (no AWS, no Docker);
// `integ:deploy` deploys them to the sandbox account of the current AWS profile and runs their assertions.
const integ = 'integ-runner --directory integ --language typescript --parallel-regions us-east-1';
// ts-node reads the dev tsconfig: the jsii-written tsconfig.json exists only after a compile (a fresh clone has none).
const integEnv = { TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: 'tsconfig.dev.json' };
project.addTask('integ', { description: 'Verify the integ snapshots (offline)', env: integEnv, exec: integ });
project.addTask('integ:update', {
  description: 'Rewrite the integ snapshots (offline)',
  env: integEnv,
  exec: `${integ} --dry-run --update-on-failed`,
});
project.addTask('integ:deploy', {
  description: 'Deploy the integ tests to a sandbox account, assert, destroy (needs AWS credentials and Docker)',
  env: integEnv,
  exec: `${integ} --update-on-failed --force`,
});

project.addTask('bench', {
  description: 'Synthesis time of the reference deployment against a raw aws-cdk-lib floor (medians and ratio)',
  env: { TS_NODE_TRANSPILE_ONLY: '1' },
  exec: 'ts-node --project tsconfig.dev.json integ/bench.ts',
});
// What the gateway costs per request: the twin's real LiteLLM proxy, bare and as the reference configures it, on
// loopback in a network namespace (assets/twin/bench). Not a test; CI runs `bench:proxy --smoke`.
project.addTask('bench:proxy', {
  description: 'LiteLLM proxy benchmark on loopback: bare vs the gateway and each of its additions (ratios gateway/bare)',
  exec: 'bash assets/twin/bench/run.sh',
  receiveArgs: true,
});

// The Bedrock catalog is one data table (src/config/catalog/bedrock-models.ts); BedrockModel's constants and the
// README's model table are generated from it, and test/config/bedrock-model.test.ts fails when they are stale.
project.addTask('catalog', {
  description: "Regenerate BedrockModel's constants and the README's model table from the catalog table",
  exec: 'ts-node --project tsconfig.dev.json test/config/catalog-codegen.ts',
});

// The local twin: the real LiteLLM proxy (pip-installed with --require-hashes into .venv) started from the synthesized
// reference template and image asset, against a fake Bedrock, in a network namespace with nothing but loopback.
project.addTask('twin', {
  description: 'Run the real LiteLLM proxy from the synthesized reference on loopback and test it (test-reports/twin.xml)',
  exec: 'bash assets/twin/run.sh',
  receiveArgs: true,
});

// The README's dashboard picture: the synthesized dashboard drawn with the numbers of the twin's traffic
// (assets/dashboard/render.sh; Pillow pip-installed with --require-hashes into assets/dashboard/.venv). Not shipped.
project.addTask('dashboard:render', {
  description: "Draw the synthesized dashboard with the twin traffic's numbers into assets/dashboard/dashboard.png",
  exec: 'bash assets/dashboard/render.sh',
  receiveArgs: true,
});
project.addPackageIgnore('/assets/dashboard/');

// The README's test command runs every test: projen's jest and eslint, then the Python tests of the assets (key
// handler, migration runner, metrics callback) in a venv from the hash-pinned tool list (.ci/python-tests.sh).
// The twin's tests need the LiteLLM venv and a loopback-only namespace: they are the `twin` task.
const testPython = project.addTask('test:python', {
  description: 'Python tests of the assets under pytest, without the twin (test-reports/pytest.xml)',
  exec: 'bash .ci/python-tests.sh',
  receiveArgs: true,
});
project.testTask.spawn(testPython);

project.synth();
