import { Duration } from 'aws-cdk-lib';
import { BedrockModel } from './bedrock-model';

/**
 * One entry of LiteLLM's `model_list`: the name agents ask for, and the Bedrock model behind it.
 */
export interface ModelAlias {
  /**
   * The name agents send as `model` (`model_name`), e.g. `claude-primary`.
   * Letters, digits, `-`, `_` and `.`; it must start with a letter or digit.
   */
  readonly alias: string;
  /** The Bedrock model, e.g. `BedrockModel.CLAUDE_HAIKU_4_5.inGeography(InferenceGeography.US)`. */
  readonly model: BedrockModel;
  /**
   * The Region Bedrock is called in (`aws_region_name`). For a cross-Region model it must be a source Region of
   * the profile's geography.
   *
   * @default - the gateway stack's Region when it is known at synth time; otherwise the container's `AWS_REGION_NAME`
   */
  readonly region?: string;
  /**
   * Tokens per minute for this deployment (`tpm`).
   *
   * @default - no limit
   */
  readonly tpm?: number;
  /**
   * Requests per minute for this deployment (`rpm`).
   *
   * @default - no limit
   */
  readonly rpm?: number;
  /**
   * Timeout of one call to this model, streamed or not, whole seconds (`litellm_params.timeout` and `stream_timeout`).
   *
   * @default - the gateway's `requestTimeout`
   */
  readonly timeout?: Duration;
  /**
   * Retries of one call to this model inside the Bedrock client (`litellm_params.max_retries`).
   *
   * @default - LiteLLM's default
   */
  readonly maxRetries?: number;
}
