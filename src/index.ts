export * from './config';
export * from './secrets';
export * from './database';
export * from './service';
export * from './shared-state';
export * from './keys';
export * from './observability';
export * from './llm-gateway';
