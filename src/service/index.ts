export * from './gateway-image';
export * from './gateway-service';
export * from './gateway-migration';
