import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { GatewayConfig } from '../config';
import { DEFAULT_LITELLM_VERSION, LiteLlmAdvisory, advisoriesAffecting, compareReleases, releaseOfTag } from './private/litellm-advisories';

const DEFAULT_LITELLM_REPOSITORY = 'ghcr.io/berriai/litellm';
const MOVING_TAGS = new Set(['latest', 'main', 'stable', 'lts', 'main-stable', 'main-latest', 'litellm_stable_release_branch']);
// Tags whose arm64 image held amd64 binaries (LiteLLM issue #29382): they cannot start on Graviton.
const BROKEN_ARM64_TAGS = new Set(['v1.83.14-stable', 'main-v1.83.14-stable']);

/** Where the image folder (Dockerfile, callbacks) lives, from `src/service` (tests) and `lib/service` (package). */
const IMAGE_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'service', 'litellm');

/** Options of the default image. */
export interface LiteLlmImageOptions {
  /**
   * The LiteLLM release tag, e.g. `v1.108.7` (releases from 1.84 on) or `v1.83.10-stable.patch.3` (older lines).
   * Moving tags such as `main-stable` or `lts` are rejected, and so is a release inside the range of a known
   * critical or high LiteLLM advisory (the error names each advisory and its first fixed release) unless every such
   * advisory is listed in `acceptedAdvisories`.
   *
   * @default 'v1.108.7'
   */
  readonly version?: string;
  /**
   * The image digest (`sha256:` and 64 hex digits) of `version`, to pin the exact image bytes: the build then pulls
   * `repository:version@digest`, and a tag moved by the registry can no longer change what runs.
   *
   * @default - the tag alone
   */
  readonly digest?: string;
  /**
   * The repository the LiteLLM image is pulled from at build time.
   *
   * @default 'ghcr.io/berriai/litellm'
   */
  readonly repository?: string;
  /**
   * Advisory ids (e.g. `GHSA-r75f-5x8p-qvmc`) that a team accepts for a release it must run although the release is
   * inside their affected ranges — for instance while an upgrade is tested. Each accepted advisory still produces a
   * synth warning; listing an advisory that does not affect `version` is an error, so the list cannot go stale.
   *
   * @default - none: a release with a known critical or high advisory is refused
   */
  readonly acceptedAdvisories?: string[];
}

/** What an image gives the task definition. */
export interface GatewayImageConfig {
  /** The container image. */
  readonly containerImage: ecs.ContainerImage;
}

/**
 * The gateway's container image.
 */
export abstract class GatewayImage {
  /**
   * The default: a pinned LiteLLM release with the rendered `litellm_config.yaml` at `/app/config.yaml` and the
   * metrics callback at `/app/callbacks/`, built by the CDK CLI at deploy time for arm64. Synthesis only stages
   * the folder (no Docker needed). A config change changes the image and so rolls the tasks.
   */
  public static fromLiteLlm(options: LiteLlmImageOptions = {}): GatewayImage {
    return new LiteLlmAssetImage(options);
  }

  /**
   * A prebuilt image, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/llm-gateway:1.4.0`. It must hold the
   * gateway's config at `/app/config.yaml` and its callbacks under `/app/callbacks/` (see `LlmGateway.renderedConfig`).
   */
  public static fromRegistry(imageName: string): GatewayImage {
    return new PrebuiltImage(ecs.ContainerImage.fromRegistry(imageName), imageName);
  }

  /** A prebuilt image in an ECR repository; same contract as `fromRegistry`. */
  public static fromEcrRepository(repository: ecr.IRepository, tag: string): GatewayImage {
    return new PrebuiltImage(ecs.ContainerImage.fromEcrRepository(repository, tag), `${repository.repositoryName}:${tag}`);
  }

  /** Produces the container image for a gateway with `config`. */
  public abstract bind(scope: Construct, config: GatewayConfig): GatewayImageConfig;
}

class LiteLlmAssetImage extends GatewayImage {
  private readonly image: string;
  private readonly accepted: LiteLlmAdvisory[];

  constructor(options: LiteLlmImageOptions) {
    super();
    const version = options.version ?? DEFAULT_LITELLM_VERSION;
    const repository = options.repository ?? DEFAULT_LITELLM_REPOSITORY;
    if (!/^[a-z0-9][a-z0-9./_-]*$/.test(repository)) {
      throw new Error(`image repository '${repository}' is not an image repository name such as 'ghcr.io/berriai/litellm'.`);
    }
    if (version.startsWith('sha256:')) {
      throw new Error(`image version '${version}' is a digest: put the release tag (e.g. '${DEFAULT_LITELLM_VERSION}') in version and the digest in digest, so that the release can be checked against known advisories.`);
    }
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(version)) {
      throw new Error(`image version '${version}' is not an image tag such as '${DEFAULT_LITELLM_VERSION}'.`);
    }
    if (MOVING_TAGS.has(version)) {
      throw new Error(`image version '${version}' is a moving tag: every build could pull a different LiteLLM. Pin a release such as '${DEFAULT_LITELLM_VERSION}'.`);
    }
    if (BROKEN_ARM64_TAGS.has(version)) {
      throw new Error(`image version '${version}' shipped amd64 binaries in its arm64 image (LiteLLM issue #29382) and cannot start on Graviton. Pin another release.`);
    }
    if (releaseOfTag(version) === undefined) {
      throw new Error(`image version '${version}' names no LiteLLM release (expected a tag such as '${DEFAULT_LITELLM_VERSION}'), so it cannot be checked against known advisories. For an image of your own use GatewayImage.fromRegistry.`);
    }
    if (options.digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(options.digest)) {
      throw new Error(`image digest '${options.digest}' is not a digest: expected 'sha256:' and 64 hex digits.`);
    }
    this.accepted = checkAdvisories(version, options.acceptedAdvisories ?? []);
    this.image = `${repository}:${version}${options.digest ? `@${options.digest}` : ''}`;
  }

  public bind(scope: Construct, config: GatewayConfig): GatewayImageConfig {
    for (const advisory of this.accepted) {
      Annotations.of(scope).addWarningV2(`cdk-llm-gateway:acceptedAdvisory:${advisory.id}`,
        `The LiteLLM image ${this.image} is affected by ${describe(advisory)}; it was accepted in acceptedAdvisories. Upgrade to ${advisory.fixed[advisory.fixed.length - 1]} or later.`);
    }
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-llm-gateway-image-'));
    fs.cpSync(IMAGE_ASSET_DIR, staging, {
      recursive: true,
      filter: (src) => !/(__pycache__|\.pytest_cache|[\\/]tests?$|[\\/]bench$|\.pyc$)/.test(src),
    });
    fs.writeFileSync(path.join(staging, 'config.yaml'), config.renderYaml());
    return {
      containerImage: ecs.ContainerImage.fromAsset(staging, {
        platform: Platform.LINUX_ARM64,
        buildArgs: { LITELLM_IMAGE: this.image },
      }),
    };
  }
}

function describe(advisory: LiteLlmAdvisory): string {
  return `${advisory.id}${advisory.cve ? ` (${advisory.cve})` : ''}, ${advisory.severity}${advisory.exploited ? ', known exploited' : ''}: ${advisory.summary}`;
}

/** Refuses a release inside a known advisory's range unless the advisory is accepted; returns the accepted ones. */
function checkAdvisories(version: string, acceptedIds: string[]): LiteLlmAdvisory[] {
  const affecting = advisoriesAffecting(version);
  const refused = affecting.filter((a) => !acceptedIds.includes(a.id));
  if (refused.length > 0) {
    const firstSafe = refused.map((a) => a.fixed[a.fixed.length - 1]).sort((a, b) => compareReleases(b, a))[0];
    throw new Error(`image version '${version}' is affected by known LiteLLM advisories:\n` +
      refused.map((a) => `  - ${describe(a)}; fixed in ${a.fixed.join(', ')} (${a.source})`).join('\n') +
      `\nPin ${firstSafe} or later (the default is ${DEFAULT_LITELLM_VERSION}). A team that must run this release lists the ids in acceptedAdvisories.`);
  }
  const stale = acceptedIds.filter((id) => !affecting.some((a) => a.id === id));
  if (stale.length > 0) {
    throw new Error(`acceptedAdvisories lists ${stale.join(', ')}, which ${stale.length === 1 ? 'does' : 'do'} not affect image version '${version}': remove ${stale.length === 1 ? 'it' : 'them'}.`);
  }
  return affecting;
}

class PrebuiltImage extends GatewayImage {
  constructor(private readonly image: ecs.ContainerImage, reference: string) {
    super();
    const tag = reference.includes('@') ? undefined : reference.split('/').pop()!.split(':')[1] ?? 'latest';
    if (tag !== undefined && MOVING_TAGS.has(tag)) {
      throw new Error(`image '${reference}' uses the moving tag '${tag}': tasks started later could run a different image. Pin a version tag or a digest.`);
    }
  }

  public bind(_scope: Construct, _config: GatewayConfig): GatewayImageConfig {
    return { containerImage: this.image };
  }
}
