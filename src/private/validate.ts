import { Duration, Token } from 'aws-cdk-lib';

/** Checks on prop values shared by every construct; each error names the prop (`name`) and what it takes. */

export function positiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new Error(`${name} must be a positive integer, got ${value}.`);
  }
}

export function nonNegativeInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new Error(`${name} must be a whole number >= 0, got ${value}.`);
  }
}

export function integerBetween(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${value}.`);
  }
}

/** The whole seconds of `value`; durations are rendered into configs and CloudFormation as whole seconds. */
export function wholeSeconds(name: string, value: Duration): number {
  if (Token.isUnresolved(value.toHumanString())) {
    throw new Error(`${name} must be known at synth time.`);
  }
  const ms = value.toMilliseconds({ integral: false });
  if (ms % 1000 !== 0) {
    throw new Error(`${name} must be a whole number of seconds, got ${value.toHumanString()}.`);
  }
  return ms / 1000;
}

export function positiveSeconds(name: string, value: Duration | undefined): void {
  if (value !== undefined && wholeSeconds(name, value) <= 0) {
    throw new Error(`${name} must be longer than 0 seconds, got ${value.toHumanString()}.`);
  }
}

export function nonNegativeSeconds(name: string, value: Duration | undefined): void {
  if (value !== undefined) {
    wholeSeconds(name, value);
  }
}

export function secondsBetween(name: string, value: Duration | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const range = `must be a whole number of seconds from ${min} to ${max}, got ${value.toHumanString()}.`;
  let s: number;
  try {
    s = wholeSeconds(name, value);
  } catch (e) {
    if ((e as Error).message.includes('synth time')) throw e;
    throw new Error(`${name} ${range}`);
  }
  if (s < min || s > max) {
    throw new Error(`${name} ${range}`);
  }
  return s;
}

export function isIpv4Cidr(cidr: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  return match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(match[5]) <= 32;
}
