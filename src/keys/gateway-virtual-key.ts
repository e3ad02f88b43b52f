import { CustomResource, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { keySecretName } from './private/issuer';
import { IVirtualKeyIssuer } from './virtual-key-issuer';
import { acknowledge } from '../private/acknowledge';

/** A virtual key's settings: what LiteLLM enforces and tracks for the agent that holds it. */
export interface VirtualKeyOptions {
  /**
   * The key's alias in LiteLLM (spend and logs are grouped by it). Unique per gateway.
   *
   * @default - the construct id, lower-cased
   */
  readonly keyAlias?: string;
  /**
   * The model aliases the key may call.
   *
   * @default - every alias of the gateway
   */
  readonly models?: string[];
  /**
   * Spend limit in US dollars per `budgetDuration` (or in total without it).
   *
   * @default - no budget
   */
  readonly maxBudgetUsd?: number;
  /**
   * How often the budget resets: whole days, hours, minutes or seconds.
   *
   * @default - never; the budget is a total
   */
  readonly budgetDuration?: Duration;
  /**
   * Requests per minute.
   *
   * @default - no limit
   */
  readonly rpmLimit?: number;
  /**
   * Tokens per minute.
   *
   * @default - no limit
   */
  readonly tpmLimit?: number;
  /**
   * Requests in flight at once.
   *
   * @default - no limit
   */
  readonly maxParallelRequests?: number;
  /**
   * Free-form labels stored with the key (never secrets).
   *
   * @default - none
   */
  readonly metadata?: { [key: string]: string };
}

/** Properties of `GatewayVirtualKey`. */
export interface GatewayVirtualKeyProps extends VirtualKeyOptions {
  /**
   * The gateway that issues the key (an `LlmGateway`). The key may be in another stack, e.g. the agent's own, of
   * the gateway's account and Region: nothing in the gateway's stack refers to it.
   */
  readonly gateway: IVirtualKeyIssuer;
}

const KEY_ALIAS = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
/** The metadata entry the key handler marks its keys with (stack name and logical id); see assets/keys/virtual-keys. */
const OWNER_FIELD = 'cdk_llm_gateway_owner';

/**
 * One LiteLLM virtual key as code: created, updated and deleted with the stack; its value lives only in its own
 * Secrets Manager secret (`secret`), which the agent reads.
 */
export class GatewayVirtualKey extends Construct {
  /** The secret holding the key (`sk-…`); grant the agent read access. */
  public readonly secret: secretsmanager.ISecret;
  /** The key's alias in LiteLLM. */
  public readonly keyAlias: string;
  /** The custom resource that manages the key. */
  public readonly resource: CustomResource;
  /** The gateway's KMS key, imported by ARN when the key is in another stack than the gateway. */
  private readonly importedKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: GatewayVirtualKeyProps) {
    super(scope, id);
    this.keyAlias = props.keyAlias ?? id.toLowerCase();
    const aliases = props.gateway.modelAliases;
    validate(props, this.keyAlias, aliases);
    // Registered only once valid: a refused key does not hold its alias.
    const binding = props.gateway.bindVirtualKey(this, this.keyAlias);

    // In another stack the gateway's KMS key is imported by ARN: granting an agent on the key object itself would
    // add the agent's role to the key's policy in the gateway's stack (a reference back, hence a cycle). The key
    // trusts the account, so an IAM policy on the agent suffices (grantRead adds it).
    if (binding.encryptionKey && Stack.of(binding.encryptionKey) !== Stack.of(this)) {
      this.importedKey = kms.Key.fromKeyArn(this, 'EncryptionKey', binding.encryptionKey.keyArn);
    }
    const secret = new secretsmanager.Secret(this, 'Secret', {
      // Named under the gateway's prefix, on which its handler may write: no grant per key in the gateway's stack.
      secretName: keySecretName(binding.secretNamePrefix, this),
      description: `LiteLLM gateway: virtual key '${this.keyAlias}' (written by the key handler)`,
      // A placeholder without the sk- prefix; the handler replaces it with the key before LiteLLM sees the key.
      generateSecretString: { passwordLength: 16, excludePunctuation: true, includeSpace: false },
      encryptionKey: this.importedKey ?? binding.encryptionKey,
    });
    this.secret = secret;
    acknowledge(secret, 'AwsSolutions-SMG4', 'The key is rotated by replacing the virtual key (a new construct id): LiteLLM, not Secrets Manager, owns its value.');

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: binding.serviceToken,
      resourceType: 'Custom::LiteLlmVirtualKey',
      properties: {
        KeyAlias: this.keyAlias,
        Models: props.models ?? aliases,
        MaxBudgetUsd: props.maxBudgetUsd,
        BudgetDuration: props.budgetDuration ? litellmDuration(props.budgetDuration) : undefined,
        RpmLimit: props.rpmLimit,
        TpmLimit: props.tpmLimit,
        MaxParallelRequests: props.maxParallelRequests,
        Metadata: props.metadata ? JSON.stringify(props.metadata) : undefined,
        SecretArn: secret.secretArn,
        MasterKeySecretArn: binding.masterKeySecretArn,
        GatewayUrl: binding.gatewayUrl,
        // A new database (replaced, or restored from a snapshot) changes this, and the Update re-creates the key.
        DatabaseIdentity: binding.databaseIdentity,
      },
    });
    // In another stack these make the key's stack depend on the gateway's (deployed first, deleted last).
    for (const dependency of binding.dependencies) {
      this.resource.node.addDependency(dependency);
    }
  }

  /**
   * Lets `grantee` (an agent's role) read the key, and decrypt it when a customer managed key encrypts it. Prefer it
   * to `secret.grantRead`, which, for a key in another stack than the gateway, leaves out the KMS permission.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = this.secret.grantRead(grantee);
    if (this.importedKey) {
      // Decrypt through Secrets Manager only, on the agent's own policy (see importedKey).
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['kms:Decrypt'],
        resourceArns: [this.importedKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
      });
    }
    return grant;
  }
}

/** LiteLLM's duration strings: `30d`, `12h`, `15m`, `45s`. */
function litellmDuration(d: Duration): string {
  const seconds = d.toSeconds();
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

function validate(props: GatewayVirtualKeyProps, alias: string, aliases: string[]): void {
  const at = `virtual key '${alias}'`;
  if (!KEY_ALIAS.test(alias)) {
    throw new Error(`${at}: keyAlias must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.`);
  }
  for (const model of props.models ?? []) {
    if (!aliases.includes(model)) {
      throw new Error(`${at}: models names '${model}', which is not a model alias of the gateway (known: ${aliases.join(', ')}).`);
    }
  }
  if (props.models !== undefined && props.models.length === 0) {
    throw new Error(`${at}: models is empty, so the key could call nothing; leave it unset for every alias.`);
  }
  if (props.maxBudgetUsd !== undefined && !(props.maxBudgetUsd > 0 && Number.isFinite(props.maxBudgetUsd))) {
    throw new Error(`${at}: maxBudgetUsd must be above 0, got ${props.maxBudgetUsd}.`);
  }
  for (const [name, value] of [['rpmLimit', props.rpmLimit], ['tpmLimit', props.tpmLimit], ['maxParallelRequests', props.maxParallelRequests]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new Error(`${at}: ${name} must be a positive integer, got ${value}.`);
    }
  }
  if (props.budgetDuration !== undefined) {
    if (Token.isUnresolved(props.budgetDuration.toHumanString())) {
      throw new Error(`${at}: budgetDuration must be known at synth time.`);
    }
    const ms = props.budgetDuration.toMilliseconds({ integral: false });
    if (ms <= 0 || ms % 1000 !== 0) {
      throw new Error(`${at}: budgetDuration must be a whole number of seconds above 0 (LiteLLM counts in s, m, h, d), got ${props.budgetDuration.toHumanString()}.`);
    }
    if (props.maxBudgetUsd === undefined) {
      throw new Error(`${at}: budgetDuration resets a budget, but maxBudgetUsd is not set.`);
    }
  }
  if (props.metadata && OWNER_FIELD in props.metadata) {
    throw new Error(`${at}: metadata '${OWNER_FIELD}' is reserved: the key handler marks its keys with it. Use another name.`);
  }
  for (const [key, value] of Object.entries(props.metadata ?? {})) {
    if (/^sk-/.test(value) || /(^|[_-])(key|secret|password|token)$/i.test(key)) {
      throw new Error(`${at}: metadata '${key}' looks like a secret; metadata is stored and shown in plain text. Keep secrets in Secrets Manager.`);
    }
  }
}
