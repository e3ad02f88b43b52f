import { Match } from 'aws-cdk-lib/assertions';
import { gatewayTemplate } from './helpers';

describe('metric lines and the log driver', () => {
  test('the LiteLLM container logs in an explicit non-blocking mode with a bounded buffer, not the account default', () => {
    const { template } = gatewayTemplate();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Name: 'litellm',
          LogConfiguration: {
            LogDriver: 'awslogs',
            Options: Match.objectLike({ 'mode': 'non-blocking', 'max-buffer-size': '26214400b', 'awslogs-stream-prefix': 'litellm' }),
          },
        }),
      ]),
    });
  });
});
