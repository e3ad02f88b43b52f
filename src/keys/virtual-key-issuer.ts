import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct, IDependable } from 'constructs';

/**
 * What a virtual key needs from the gateway that issues it: the key handler's service token, where its secret must
 * live, and the gateway it is created in. Everything points from the key to the gateway, never back, so a key can
 * live in an agent's own stack.
 */
export interface VirtualKeyBinding {
  /** The service token of the gateway's key handler. */
  readonly serviceToken: string;
  /**
   * The name prefix of the key secrets this gateway's handler may read and write; a key's secret is named under it.
   * The handler's permission is granted on the prefix once, in the gateway's stack.
   */
  readonly secretNamePrefix: string;
  /** The ARN of the gateway's admin key secret, which the handler reads. */
  readonly masterKeySecretArn: string;
  /** The gateway's base URL without `/v1`. */
  readonly gatewayUrl: string;
  /**
   * Changes when the database holding the keys is replaced or restored; each key carries it.
   *
   * @default - keys are not tied to a database
   */
  readonly databaseIdentity?: string;
  /**
   * The KMS key that encrypts key secrets.
   *
   * @default - Secrets Manager's AWS managed key
   */
  readonly encryptionKey?: kms.IKey;
  /** What a key must wait for: the service, its listener and the network path from the handler. */
  readonly dependencies: IDependable[];
}

/**
 * A gateway that issues virtual keys (`LlmGateway` is one). `GatewayVirtualKey` takes it as `gateway`.
 */
export interface IVirtualKeyIssuer extends IConstruct {
  /** The model aliases of the gateway: a key's `models` must name some of them. */
  readonly modelAliases: string[];

  /**
   * Registers one key and returns what it needs. Creates the key handler in the gateway's stack on first use, and
   * refuses a key alias that another key of this gateway already uses.
   *
   * @param key the key construct (in any stack of the gateway's account and Region)
   * @param keyAlias the key's alias in LiteLLM
   */
  bindVirtualKey(key: IConstruct, keyAlias: string): VirtualKeyBinding;
}
