import { DynamoDbIdleWatches } from './adapters/dynamodb/idle-watches.js';
import { evidenceMacOf } from './composition/aws-backends.js';
import type { EvidenceMac } from './ports/evidence-mac.js';
import { loadConfig, type Config } from './config.js';
import { buildCore, type ContainerOverrides, type Core } from './core-container.js';
import { buildGrant, type GrantParts } from './grant-container.js';
import { makeCheckIdle } from './use-cases/check-idle.js';
import { makeCollectEvidence } from './use-cases/collect-evidence.js';
import { makeSweepLeases, type SweepOptions, type SweepSummary } from './use-cases/sweep-leases.js';

/** Evidence that cannot be read or posted for this long after it was due is given up, and said so. */
const EVIDENCE_GIVE_UP_SECONDS = 24 * 3600;

/** The evidence key as the sweep uses it (none when no cluster has an audit log): pass it to buildGrant for the sweep's review tasks too. */
export function sweepEvidenceKey(core: Core, overrides: Pick<ContainerOverrides, 'evidenceMac'> = {}): { readonly mac: EvidenceMac | undefined } {
  return { mac: core.activity === undefined ? undefined : (overrides.evidenceMac ?? evidenceMacOf(core.config.evidenceKey, core.config.region)) };
}

/**
 * The reconciling sweep: the core's and the grant's use cases, idle checks and sealed activity
 * evidence (the only user of the evidence key: `grant` built with `sweepEvidenceKey`).
 */
export function buildSweep(core: Core, grant: GrantParts, key: { readonly mac: EvidenceMac | undefined }): (options?: SweepOptions) => Promise<SweepSummary> {
  const { config, shared, activity, evidence, dynamodb, decorate, clock, logger, revokeLease } = core;
  const { reviews } = grant;
  const evidenceMac = key.mac;
  return makeSweepLeases({
    ...shared,
    metrics: core.metrics,
    catalog: config.catalog,
    revokeLease,
    activateLease: core.activateLease,
    grantAccess: grant.grantAccess,
    batchSize: config.sweepBatchSize,
    pendingGraceSeconds: config.pendingGraceSeconds,
    scanEveryMinutes: config.sweepScanEveryMinutes,
    announce: core.announce,
    checkIdle: activity === undefined ? undefined : makeCheckIdle({ activity, watches: decorate('leases', new DynamoDbIdleWatches(dynamodb, config.leasesTable)), clock, logger, revokeLease }),
    reviews,
    owedRevokes: core.owedRevokes,
    evidence:
      activity === undefined || evidence === undefined
        ? undefined
        : { store: evidence, collect: makeCollectEvidence({ ...shared, activity, evidence, giveUpAfterSeconds: EVIDENCE_GIVE_UP_SECONDS, mac: evidenceMac, reviews }) },
  });
}

/** The sweep function's root: the core, the grant (it finishes PENDING grants) and the sweep; no webhook handler. */
export interface SweepContainer {
  readonly config: Config;
  readonly prepare: Core['prepare'];
  readonly sweepLeases: (options?: SweepOptions) => Promise<SweepSummary>;
}

/** Builds what the sweep function runs (see buildContainer for every part at once). */
export function buildSweepContainer(config: Config, overrides: ContainerOverrides = {}): SweepContainer {
  const core = buildCore(config, overrides);
  const key = sweepEvidenceKey(core, overrides);
  return { config, prepare: core.prepare, sweepLeases: buildSweep(core, buildGrant(core, key), key) };
}

let lambdaSweep: SweepContainer | undefined;

/** The root of the sweep Lambda function: configuration from the environment, built on first use. */
export function sweepContainer(): SweepContainer {
  lambdaSweep ??= buildSweepContainer(loadConfig(process.env));
  return lambdaSweep;
}
