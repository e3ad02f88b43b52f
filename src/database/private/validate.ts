import { Token } from 'aws-cdk-lib';
import { DEFAULTS } from '../../private/defaults';
import { checkAuroraPostgresVersion } from '../../private/retired-versions';
import type { DatabaseOptions } from '../gateway-database';

/** Checks database options; errors name the prop under `prefix` (e.g. `database.`). */
export function validateDatabaseOptions(options: DatabaseOptions, prefix = ''): void {
  const min = options.minCapacity ?? DEFAULTS.databaseMinCapacity;
  const max = options.maxCapacity ?? DEFAULTS.databaseMaxCapacity;
  const capacity = (name: string, value: number) => {
    // Aurora Serverless v2 takes 0 (auto-pause) or 0.5 to 256 ACUs in steps of 0.5.
    if (Token.isUnresolved(value) || !(value >= 0 && value <= 256 && Number.isInteger(value * 2))) {
      throw new Error(`${prefix}${name} must be 0 to 256 Aurora capacity units in steps of 0.5, got ${value}.`);
    }
  };
  capacity('minCapacity', min);
  capacity('maxCapacity', max);
  if (min > max) {
    throw new Error(`${prefix}minCapacity (${min}) is greater than maxCapacity (${max}); raise maxCapacity or lower minCapacity.`);
  }
  if (max === 0) {
    throw new Error(`${prefix}maxCapacity must be at least 0.5 Aurora capacity units.`);
  }
  const retention = options.backupRetention;
  if (retention !== undefined) {
    const days = retention.toDays({ integral: false });
    if (!(Number.isInteger(days) && days >= 1 && days <= 35)) {
      throw new Error(`${prefix}backupRetention must be a whole number of days from 1 to 35 (Aurora's range), got ${retention.toHumanString()}.`);
    }
  }
  const readers = options.readers ?? DEFAULTS.databaseReaders;
  if (!(Number.isInteger(readers) && readers >= 0 && readers <= 15)) {
    throw new Error(`${prefix}readers must be a whole number from 0 to 15, got ${readers}.`);
  }
  const name = options.databaseName;
  if (name !== undefined && !/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`${prefix}databaseName '${name}' is not a PostgreSQL database name (a letter, then letters, digits or '_', at most 63).`);
  }
  if (options.engineVersion) {
    checkAuroraPostgresVersion(options.engineVersion, `${prefix}engineVersion`);
  }
}
