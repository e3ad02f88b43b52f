/**
 * IAM database authentication for LiteLLM's connection to Aurora PostgreSQL: what the serving tasks need to log in
 * with a short-lived IAM token instead of the cluster's password.
 *
 * LiteLLM 1.108.7 builds the connection URL itself when `IAM_TOKEN_DB_AUTH` is on (proxy_cli.py, then
 * `DatabaseURLSettings.apply_writer_url_to_env` in litellm/proxy/db/db_url_settings.py): it mints a token with boto3
 * (`generate_db_auth_token`, the task role's credentials) for `DATABASE_HOST`, `DATABASE_PORT` and `DATABASE_USER`
 * and puts it in the URL as the password. The serving proxy mints a new one three minutes before each expires
 * (`PrismaWrapper`, litellm/proxy/db/prisma_client.py), reading `DATABASE_USER` only, never `DATABASE_USERNAME`.
 * The migration keeps the master login: it owns the schema (see assets/service/migration-runner/iam_database_user.py).
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** The PostgreSQL role the serving tasks log in as when none is named. */
export const DEFAULT_IAM_DATABASE_USER = 'litellm_gateway';

// An unquoted PostgreSQL identifier (63 bytes at most), so the role name needs no quoting anywhere it appears.
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const RESERVED_ROLES = ['rds_iam', 'rds_superuser', 'rdsadmin', 'postgres', 'public'];

/** Fails at synth, naming `prop`, on a role name the migration cannot create or that is not the gateway's own. */
export function validateIamDatabaseUser(user: string, prop: string, masterUser?: string): void {
  if (!ROLE_NAME.test(user)) {
    throw new Error(`${prop} '${user}' is not a PostgreSQL role name the gateway can create: use lower-case letters, digits and `
      + 'underscores, starting with a letter or underscore, at most 63 characters.');
  }
  if (RESERVED_ROLES.includes(user) || user.startsWith('pg_') || user === masterUser) {
    throw new Error(`${prop} '${user}' is ${user === masterUser ? 'the master user' : 'a role PostgreSQL or RDS reserves'}: `
      + 'name a role of the gateway\'s own, which the migration creates.');
  }
}

/** Where the serving container reaches the database and as whom. */
export interface IamDatabaseEndpoint {
  /** The writer endpoint's host name, without a port. */
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
  /** The stack's Region: where the token is signed for. */
  readonly region: string;
}

/**
 * The serving container's database variables with IAM authentication, replacing `DATABASE_HOST` and the
 * `DATABASE_USERNAME`/`DATABASE_PASSWORD` secrets (which must then be left out). The port is its own variable: the
 * token is signed for host and port, and LiteLLM puts `DATABASE_HOST` into the URL as it is.
 */
export function iamDatabaseEnvironment(endpoint: IamDatabaseEndpoint): Record<string, string> {
  return {
    IAM_TOKEN_DB_AUTH: 'true',
    DATABASE_HOST: endpoint.hostname,
    DATABASE_PORT: String(endpoint.port),
    // DATABASE_USER, not DATABASE_USERNAME: the token refresh reads this one only.
    DATABASE_USER: endpoint.user,
    // The Region the token is signed for; LiteLLM otherwise parses it out of an rds.amazonaws.com host name.
    AWS_RDS_REGION: endpoint.region,
    // TLS always: the token is a bearer credential for 15 minutes. LiteLLM adds `sslmode` to the URL it builds.
    DATABASE_SSLMODE: 'require',
  };
}

/** The `rds-db:connect` resource of `user` on the cluster whose resource id (`cluster-…`) is `clusterResourceId`. */
export function iamDatabaseUserArn(scope: IConstruct, clusterResourceId: string, user: string): string {
  return Stack.of(scope).formatArn({
    service: 'rds-db',
    resource: 'dbuser',
    resourceName: `${clusterResourceId}/${user}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Lets `grantee` (the serving task role) log in as `user` with an IAM token, and as nobody else. */
export function grantIamDatabaseConnect(grantee: iam.IGrantable, scope: IConstruct, clusterResourceId: string, user: string): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['rds-db:connect'],
    resourceArns: [iamDatabaseUserArn(scope, clusterResourceId, user)],
  });
}

