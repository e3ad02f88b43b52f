import { Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';

/** The awslogs driver's buffer in non-blocking mode: about 50,000 metric lines of some 450 bytes. */
export const LITELLM_LOG_BUFFER = Size.mebibytes(25);

/**
 * The LiteLLM container's log driver, in an explicit mode rather than the account's default.
 *
 * Non-blocking: when CloudWatch Logs cannot take lines as fast as they come, they wait in a buffer of
 * `LITELLM_LOG_BUFFER`, and what does not fit is dropped. Blocking would lose nothing but stall every write to
 * stdout, and LiteLLM writes its own log lines from its event loop, so a slow log service would stall requests.
 * The metrics callback writes from a thread of its own behind a bounded queue and reports what it had to drop.
 */
export function litellmLogDriver(logGroup: logs.ILogGroup): ecs.LogDriver {
  return ecs.LogDrivers.awsLogs({
    logGroup,
    streamPrefix: 'litellm',
    mode: ecs.AwsLogDriverMode.NON_BLOCKING,
    maxBufferSize: LITELLM_LOG_BUFFER,
  });
}
