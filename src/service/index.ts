export * from './gateway-image';
export * from './gateway-service';
