import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { GatewayConfig } from '../config';

/** The LiteLLM release the default image is built from. Pinned: tags such as `main-stable` move (S-FIX-12). */
const DEFAULT_LITELLM_REPOSITORY = 'ghcr.io/berriai/litellm';
const DEFAULT_LITELLM_VERSION = 'main-v1.83.3-stable';
const MOVING_TAGS = new Set(['latest', 'main', 'stable', 'main-stable', 'main-latest', 'litellm_stable_release_branch']);
// Tags whose arm64 image held amd64 binaries (LiteLLM issue #29382): they cannot start on Graviton.
const BROKEN_ARM64_TAGS = new Set(['v1.83.14-stable', 'main-v1.83.14-stable']);

/** Where the image folder (Dockerfile, callbacks) lives, from `src/service` (tests) and `lib/service` (package). */
const IMAGE_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'litellm');

/** Options of the default image. */
export interface LiteLlmImageOptions {
  /**
   * The LiteLLM image tag (`main-vX.Y.Z-stable`, `vX.Y.Z-stable`) or digest (`sha256:…`). Must be pinned: moving
   * tags such as `main-stable` are rejected. Check that the tag's arm64 image really is arm64.
   *
   * @default 'main-v1.83.3-stable'
   */
  readonly version?: string;
  /**
   * The repository the LiteLLM image is pulled from at build time.
   *
   * @default 'ghcr.io/berriai/litellm'
   */
  readonly repository?: string;
}

/** What an image gives the task definition. */
export interface GatewayImageConfig {
  /** The container image. */
  readonly containerImage: ecs.ContainerImage;
  /** Whether the rendered config and callbacks are baked into the image by the construct. */
  readonly bakesConfig: boolean;
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

  constructor(options: LiteLlmImageOptions) {
    super();
    const version = options.version ?? DEFAULT_LITELLM_VERSION;
    const repository = options.repository ?? DEFAULT_LITELLM_REPOSITORY;
    if (!/^[a-z0-9][a-z0-9./_-]*$/.test(repository)) {
      throw new Error(`image repository '${repository}' is not an image repository name such as 'ghcr.io/berriai/litellm'.`);
    }
    if (version.startsWith('sha256:')) {
      if (!/^sha256:[0-9a-f]{64}$/.test(version)) {
        throw new Error(`image version '${version}' is not a digest: expected 'sha256:' and 64 hex digits.`);
      }
      this.image = `${repository}@${version}`;
      return;
    }
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(version)) {
      throw new Error(`image version '${version}' is not an image tag such as 'main-v1.83.3-stable'.`);
    }
    if (MOVING_TAGS.has(version)) {
      throw new Error(`image version '${version}' is a moving tag: every build could pull a different LiteLLM. Pin a release such as '${DEFAULT_LITELLM_VERSION}' or a digest.`);
    }
    if (BROKEN_ARM64_TAGS.has(version)) {
      throw new Error(`image version '${version}' shipped amd64 binaries in its arm64 image (LiteLLM issue #29382) and cannot start on Graviton. Pin another release.`);
    }
    this.image = `${repository}:${version}`;
  }

  public bind(_scope: Construct, config: GatewayConfig): GatewayImageConfig {
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
      bakesConfig: true,
    };
  }
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
    return { containerImage: this.image, bakesConfig: false };
  }
}
