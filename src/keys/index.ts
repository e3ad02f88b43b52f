export * from './virtual-key-issuer';
export * from './gateway-virtual-key';
