import * as rds from 'aws-cdk-lib/aws-rds';

/**
 * Version strings that AWS has retired: a new resource with one of them fails at deploy time, although the template
 * is well-formed (cfn-lint does not know the catalogs). This is the one list; the database's synth-time check and
 * the deploy-invariant tests read it. Re-check it, and the default below, whenever aws-cdk-lib is upgraded.
 *
 * Last checked: 2026-11-28.
 */
export const RETIRED_VERSIONS = {
  /**
   * Aurora PostgreSQL minor versions RDS no longer creates clusters with: every version that aws-cdk-lib 2.276.0
   * (the newest release on 2026-11-28) marks "no longer supported by Amazon RDS". Aurora keeps a non-LTS minor for
   * about 12 months, an LTS minor for at least three years (Amazon Aurora user guide, "Amazon Aurora version
   * support"; release calendar: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurorapostgresql-release-calendar.html).
   */
  auroraPostgres: [
    '9.6.8', '9.6.9', '9.6.11', '9.6.12', '9.6.16', '9.6.17', '9.6.18', '9.6.19', '9.6.22',
    '10.4', '10.5', '10.6', '10.7', '10.11', '10.12', '10.13', '10.14', '10.16', '10.17', '10.18', '10.19', '10.20', '10.21',
    '11.4', '11.6', '11.7', '11.8', '11.11', '11.12', '11.13', '11.14', '11.15', '11.16', '11.17', '11.18', '11.19', '11.20',
    '12.4', '12.6', '12.7', '12.8', '12.10', '12.11', '12.12', '12.13', '12.14', '12.15', '12.16', '12.17', '12.18', '12.19', '12.20', '12.21',
    '13.3', '13.4', '13.5', '13.6', '13.7', '13.8', '13.10', '13.11', '13.12', '13.13', '13.14', '13.15', '13.17', '13.18', '13.20', '13.21', '13.22',
    '14.3', '14.4', '14.5', '14.7', '14.8', '14.9', '14.10', '14.11', '14.12', '14.14',
    '15.2', '15.3', '15.4', '15.5', '15.6', '15.7', '15.9',
    '16.0', '16.1', '16.2', '16.3', '16.5',
    '17.1', '17.2',
  ] as readonly string[],
  /**
   * Lambda runtimes past their deprecation date (nodejs18.x on 2025-09-01 and python3.9 on 2025-12-15 the latest):
   * they get no security patches, and Lambda blocks creating functions with them a few months later (AWS Lambda
   * developer guide, "Lambda runtimes" and "Runtime deprecation": https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
   */
  lambdaRuntimes: [
    'nodejs', 'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x', 'nodejs18.x',
    'python2.7', 'python3.6', 'python3.7', 'python3.8', 'python3.9',
    'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet5.0', 'dotnet6',
    'go1.x', 'java8', 'ruby2.5', 'ruby2.7', 'provided',
  ] as readonly string[],
};

/**
 * The Aurora PostgreSQL version of a new gateway database: 16.8, the long-term-support (LTS) minor of major 16 —
 * Aurora keeps an LTS minor available for at least three years, where other minors leave the catalog after about
 * one. Checked 2026-11-28; the major (16) is the one LiteLLM's Prisma schema is tested with here.
 */
export const DEFAULT_AURORA_POSTGRES_VERSION = rds.AuroraPostgresEngineVersion.VER_16_8;

/** Throws at synth when `version` is one AWS retired; `prop` names the setting to change. */
export function checkAuroraPostgresVersion(version: rds.AuroraPostgresEngineVersion, prop: string): void {
  if (RETIRED_VERSIONS.auroraPostgres.includes(version.auroraPostgresFullVersion)) {
    throw new Error(`${prop}: Aurora PostgreSQL ${version.auroraPostgresFullVersion} is retired; RDS no longer creates clusters with it, `
      + `so the deploy would fail. Use a supported minor (the default is ${DEFAULT_AURORA_POSTGRES_VERSION.auroraPostgresFullVersion}), `
      + 'or for an existing cluster the version it runs now (aws rds describe-db-clusters).');
  }
}
