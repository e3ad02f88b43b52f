export * from './bedrock-model';
export * from './model-alias';
export * from './routing';
export * from './gateway-config';
