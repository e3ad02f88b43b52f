import { Annotations, ArnFormat, Names, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeWildcardResources } from '../../private/acknowledge';
import { VirtualKeyBinding } from '../virtual-key-issuer';
import { VirtualKeyProvider, VirtualKeyProviderProps } from './virtual-key-provider';

/** Properties of `VirtualKeyIssuer`. */
export interface VirtualKeyIssuerProps {
  /** The gateway: the handler is created in it, and its id makes the secret-name prefix unique. */
  readonly gateway: Construct;
  /** The gateway's model aliases. */
  readonly modelAliases: string[];
  /**
   * The handler's properties, read when the handler is first needed (after the gateway's constructor, the service
   * and database exist).
   */
  readonly providerProps: () => VirtualKeyProviderProps;
}

/**
 * The gateway side of virtual keys, which `LlmGateway` delegates to: one key handler per gateway (created on first
 * use), one name prefix for the key secrets, on which the handler is granted once, and the registry of key aliases.
 * Granting on a prefix instead of each secret keeps the gateway's stack free of references to agents' stacks:
 * adding an agent with its key never changes the gateway's template once the handler exists.
 */
export class VirtualKeyIssuer {
  /** The prefix every key secret of this gateway is named under. */
  public readonly secretNamePrefix: string;
  private _provider?: VirtualKeyProvider;
  private readonly keysByAlias = new Map<string, string>();

  constructor(private readonly props: VirtualKeyIssuerProps) {
    const stack = Stack.of(props.gateway);
    if (Token.isUnresolved(stack.stackName)) {
      throw new Error('virtual keys: the gateway\'s stack name must be known at synth time (it names the key secrets).');
    }
    // Unique per account and Region: a stack name is; the gateway's id is unique within its stack. No other prefix
    // can start with this one, as stack names contain no '/'.
    this.secretNamePrefix = `llm-gateway/${stack.stackName}/${Names.uniqueId(props.gateway)}/virtual-keys/`;
  }

  /** The key handler, if created. */
  public get provider(): VirtualKeyProvider | undefined {
    return this._provider;
  }

  /**
   * Creates the key handler in the gateway's stack, once. Keys declared in other stacks then never change the
   * gateway's template.
   */
  public enable(): VirtualKeyProvider {
    if (this._provider) {
      return this._provider;
    }
    const providerProps = this.props.providerProps();
    const provider = new VirtualKeyProvider(this.props.gateway, 'VirtualKeys', providerProps);
    const stack = Stack.of(this.props.gateway);
    const secrets = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${this.secretNamePrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // Read the placeholder, write the key: only what the handler calls (get_secret_value, put_secret_value).
    provider.handler.addToRolePolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue'],
      resources: [secrets],
    }));
    acknowledgeWildcardResources(provider, [secrets],
      "The key handler writes each key's own secret; they are named under this gateway's prefix, so that keys in agents' stacks need no grant in the gateway's stack.");
    const key = providerProps.secretsKey;
    if (key) {
      const viaSecretsManager = new kms.ViaServicePrincipal(`secretsmanager.${stack.region}.amazonaws.com`, provider.handler.grantPrincipal);
      key.grantEncryptDecrypt(viaSecretsManager);
      // What CDK adds to the key's policy for each secret it encrypts: added here once, so that a key secret in an
      // agent's stack adds nothing new to the gateway's stack.
      const account = new kms.ViaServicePrincipal(`secretsmanager.${stack.region}.amazonaws.com`, new iam.AccountPrincipal(stack.account));
      key.grantEncryptDecrypt(account);
      key.grant(account, 'kms:CreateGrant', 'kms:DescribeKey');
    }
    // Exported now what keys and agents in other stacks refer to (CDK exports a value on its first use from another
    // stack and reuses an export that exists): the gateway's template then stays the same as agents come and go.
    for (const value of [provider.serviceToken, provider.masterKey.secretArn, provider.gatewayUrl, provider.databaseIdentity,
      key?.keyArn, ...providerProps.gateway.connections.securityGroups.map((g) => g.securityGroupId)]) {
      exportReferences(stack, value);
    }
    this._provider = provider;
    return provider;
  }

  /** Registers a key (see `IVirtualKeyIssuer.bindVirtualKey`). */
  public bind(key: IConstruct, keyAlias: string): VirtualKeyBinding {
    const gatewayStack = Stack.of(this.props.gateway);
    const keyStack = Stack.of(key);
    const existing = this.keysByAlias.get(keyAlias);
    if (existing !== undefined) {
      throw new Error(`virtual key '${keyAlias}' (${key.node.path}): keyAlias '${keyAlias}' is already used by another key of this gateway (${existing}); key aliases are unique.`);
    }
    for (const [what, a, b] of [['account', gatewayStack.account, keyStack.account], ['Region', gatewayStack.region, keyStack.region]]) {
      if (!Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b) {
        throw new Error(`virtual key '${keyAlias}' (${key.node.path}): its stack is in ${what} ${b}, the gateway's in ${a}; a key must be in the gateway's account and Region.`);
      }
    }
    if (keyStack !== gatewayStack && !this._provider) {
      Annotations.of(key).addWarningV2('cdk-llm-gateway:virtualKeysNotEnabled',
        "This key creates the gateway's key handler in the gateway's stack, which therefore changes with the first key from another stack. Call enableVirtualKeys() on the gateway in its own stack so that adding an agent's stack never changes it.");
    }
    const provider = this.enable();
    this.keysByAlias.set(keyAlias, key.node.path);
    return {
      serviceToken: provider.serviceToken,
      secretNamePrefix: this.secretNamePrefix,
      masterKeySecretArn: provider.masterKey.secretArn,
      gatewayUrl: provider.gatewayUrl,
      databaseIdentity: provider.databaseIdentity,
      encryptionKey: provider.secretsKey,
      dependencies: provider.dependsOn,
    };
  }
}

/** The name of a key secret under `prefix`: stable for the key's construct, whatever its alias. */
export function keySecretName(prefix: string, key: IConstruct): string {
  // The alias is not part of the name: renaming a key updates it in place (same secret, same value) instead of
  // replacing the secret, which would leave the old key valid in LiteLLM.
  return `${prefix}${Names.uniqueResourceName(key, { maxLength: 256 - prefix.length, separator: '-' })}`;
}


/** Exports each resource attribute or reference that `value` holds (from `stack` only), as a cross-stack use would. */
function exportReferences(stack: Stack, value: string | undefined): void {
  if (value === undefined || !Token.isUnresolved(value)) {
    return;
  }
  for (const token of Tokenization.reverseString(value).tokens) {
    if (Reference.isReference(token) && Stack.of(token.target) === stack) {
      stack.exportValue(token);
    }
  }
}
