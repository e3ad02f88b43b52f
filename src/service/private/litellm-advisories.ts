/**
 * LiteLLM releases the default image refuses: every published critical or high advisory against the LiteLLM proxy,
 * with its affected range and first fixed release, as listed by its source. One table, read by `GatewayImage` and
 * by the tests; add a row when an advisory is published (and move the default release past it).
 */

/**
 * The LiteLLM release the default image is built from: the newest release of LiteLLM's long-term-support line (1.108)
 * that is published both as an image and, with its proxy dependencies, on PyPI — so the local twin runs exactly the
 * proxy the image runs (1.108.8 and later pin enterprise and proxy-extras builds that PyPI does not serve) — and that
 * no known critical or high advisory affects. Pinned: tags such as `main-stable` or `lts` move. The twin's
 * `assets/twin/requirements.txt` pins the same release; a test keeps the two equal.
 */
export const DEFAULT_LITELLM_VERSION = 'v1.108.7';

/** A published advisory against the LiteLLM proxy. */
export interface LiteLlmAdvisory {
  /** The GitHub advisory id. */
  readonly id: string;
  /** The CVE id, where one is assigned. */
  readonly cve?: string;
  /** What an attacker can do. */
  readonly summary: string;
  readonly severity: 'critical' | 'high';
  /** On CISA's known-exploited vulnerabilities list. */
  readonly exploited: boolean;
  /** The first affected release (inclusive); absent when every earlier release is affected. */
  readonly introduced?: string;
  /**
   * The first release with the fix on each release line that got one, oldest line first: a release is fixed when it
   * is at least the last entry, or at least the entry of its own `major.minor` line.
   */
  readonly fixed: string[];
  /** Release tags of older lines that carry the fix as a back-port. */
  readonly backportedTo?: string[];
  /** Where the range comes from. */
  readonly source: string;
}

export const LITELLM_ADVISORIES: readonly LiteLlmAdvisory[] = [
  {
    id: 'GHSA-r75f-5x8p-qvmc',
    cve: 'CVE-2026-42208',
    summary: 'pre-authentication SQL injection in the API-key check of every LLM route',
    severity: 'critical',
    exploited: true,
    introduced: '1.81.16',
    fixed: ['1.83.7'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-r75f-5x8p-qvmc',
  },
  {
    id: 'GHSA-v4p8-mg3p-g94g',
    cve: 'CVE-2026-42271',
    summary: 'command injection through the MCP stdio test endpoints',
    severity: 'high',
    exploited: true,
    introduced: '1.74.2',
    fixed: ['1.83.7'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-v4p8-mg3p-g94g',
  },
  {
    id: 'GHSA-xqmj-j6mv-4862',
    cve: 'CVE-2026-42203',
    summary: 'server-side template injection in /prompts/test',
    severity: 'high',
    exploited: false,
    introduced: '1.80.5',
    fixed: ['1.83.7'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-xqmj-j6mv-4862',
  },
  {
    id: 'GHSA-wxxx-gvqv-xp7p',
    cve: 'CVE-2026-40217',
    summary: 'sandbox escape from guardrail custom code',
    severity: 'high',
    exploited: false,
    introduced: '1.81.8',
    fixed: ['1.83.10'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-wxxx-gvqv-xp7p',
  },
  {
    id: 'GHSA-jjhc-v7c2-5hh6',
    cve: 'CVE-2026-35030',
    summary: 'authentication bypass through an OIDC userinfo cache-key collision',
    severity: 'critical',
    exploited: false,
    fixed: ['1.83.0'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-jjhc-v7c2-5hh6',
  },
  {
    id: 'GHSA-69x8-hrgq-fjj8',
    summary: 'password hash exposure and pass-the-hash authentication bypass',
    severity: 'high',
    exploited: false,
    fixed: ['1.83.0'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-69x8-hrgq-fjj8',
  },
  {
    id: 'GHSA-4xpc-pv4p-pm3w',
    cve: 'CVE-2026-49468',
    summary: 'authentication bypass through the Host header (an internal load balancer forwards any Host header)',
    severity: 'critical',
    exploited: false,
    fixed: ['1.84.0'],
    backportedTo: ['v1.83.10-stable.patch.3', 'main-v1.83.10-stable.patch.3'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-4xpc-pv4p-pm3w',
  },
  {
    id: 'GHSA-7488-6r32-c95q',
    cve: 'CVE-2026-59822',
    summary: 'unauthenticated MCP access through the OAuth2 pass-through fallback',
    severity: 'high',
    exploited: true, // on CISA's list since 2026-09-02, as quoted by secondary sources
    fixed: ['1.84.0'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-7488-6r32-c95q',
  },
  {
    id: 'GHSA-53mr-6c8q-9789',
    cve: 'CVE-2026-35029',
    summary: 'privilege escalation through the unrestricted proxy config endpoint',
    severity: 'high',
    exploited: false,
    fixed: ['1.83.0'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-53mr-6c8q-9789',
  },
  {
    id: 'GHSA-wpfp-gwwc-vwq6',
    cve: 'CVE-2026-47102',
    summary: 'a user can change their own role through /user/update',
    severity: 'high',
    exploited: false,
    fixed: ['1.83.10'],
    source: 'https://osv.dev/vulnerability/GHSA-wpfp-gwwc-vwq6',
  },
  {
    id: 'GHSA-qrc4-49gv-mv9m',
    cve: 'CVE-2026-47101',
    summary: 'privilege escalation through allowed_routes on /key/generate',
    severity: 'high',
    exploited: false,
    fixed: ['1.83.14'],
    source: 'https://osv.dev/vulnerability/PYSEC-2026-2598',
  },
  {
    id: 'GHSA-3cv6-jpf6-8222',
    summary: 'authenticated SSRF and exfiltration of provider credentials (severity as read from secondary sources)',
    severity: 'high',
    exploited: false,
    fixed: ['1.88.6', '1.89.7', '1.90.7', '1.91.5', '1.92.2', '1.93.2', '1.94.3', '1.95.1', '1.96.2'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-3cv6-jpf6-8222',
  },
  {
    id: 'GHSA-g5ff-637f-6q2m',
    summary: 'local file read by an internal viewer through vertex_ai_credentials on /utils/transform_request',
    severity: 'high',
    exploited: false,
    fixed: ['1.95.0'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-g5ff-637f-6q2m',
  },
  {
    id: 'GHSA-7hp6-4w63-5g45',
    cve: 'CVE-2026-114612',
    summary: 'an internal user becomes proxy admin by reusing the salt key, then runs commands on the host',
    severity: 'critical',
    exploited: false,
    fixed: ['1.100.4', '1.101.3', '1.102.2', '1.103.1'],
    source: 'https://github.com/BerriAI/litellm/security/advisories/GHSA-7hp6-4w63-5g45',
  },
];

/** A release number `[major, minor, patch]`. */
type Release = [number, number, number];

/** The release a LiteLLM image tag names (`v1.108.7`, `1.108.7`, `main-v1.83.3-stable`), or undefined. */
export function releaseOfTag(tag: string): Release | undefined {
  const match = /^(?:main-)?v?(\d+)\.(\d+)\.(\d+)(?:$|[-.])/.exec(tag);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function parseRelease(version: string): Release {
  const release = releaseOfTag(version);
  if (!release) {
    throw new Error(`advisory table: '${version}' is not a release number`);
  }
  return release;
}

function compare(a: Release, b: Release): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Orders two release numbers such as `1.83.7` and `1.84.0`. */
export function compareReleases(a: string, b: string): number {
  return compare(parseRelease(a), parseRelease(b));
}

/** The advisories whose affected range holds the release `tag` names. */
export function advisoriesAffecting(tag: string): LiteLlmAdvisory[] {
  const release = releaseOfTag(tag);
  if (!release) {
    return [];
  }
  return LITELLM_ADVISORIES.filter((a) =>
    (a.introduced === undefined || compare(release, parseRelease(a.introduced)) >= 0)
    && !isFixed(release, a.fixed.map(parseRelease))
    && !(a.backportedTo ?? []).includes(tag));
}

function isFixed(release: Release, fixedIn: Release[]): boolean {
  const newestLine = fixedIn[fixedIn.length - 1];
  return compare(release, newestLine) >= 0
    || fixedIn.some((f) => f[0] === release[0] && f[1] === release[1] && release[2] >= f[2]);
}
