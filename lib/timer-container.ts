import { loadConfig, type Config } from './config.js';
import { buildCore, type ContainerOverrides, type Core } from './core-container.js';
import type { Logger } from './ports/logger.js';
import { makeTimerTargets, timerSleep, type OnTimeTargets } from './use-cases/wait-for-moment.js';

/** The timer targets of the core's revoke and activate: each waits for its moment, then acts. */
export function buildTimers(core: Core, overrides: Pick<ContainerOverrides, 'sleep'> = {}): OnTimeTargets {
  const { leases, clock, logger, revokeLease, activateLease } = core;
  return makeTimerTargets({ leases, clock, logger, sleep: overrides.sleep ?? timerSleep, revokeLease, activateLease });
}

/** The timer functions' root (revokeLease, activateLease): the core and the timer targets, no grant, sweep or webhook. */
export interface TimerContainer extends OnTimeTargets {
  readonly config: Config;
  readonly logger: Logger;
  readonly prepare: Core['prepare'];
}

/** Builds what a timer function runs (see buildContainer for every part at once). */
export function buildTimerContainer(config: Config, overrides: ContainerOverrides = {}): TimerContainer {
  const core = buildCore(config, overrides);
  return { config, logger: core.logger, prepare: core.prepare, ...buildTimers(core, overrides) };
}

let lambdaTimers: TimerContainer | undefined;

/** The root of the timer Lambda functions: configuration from the environment, built on first use. */
export function timerContainer(): TimerContainer {
  lambdaTimers ??= buildTimerContainer(loadConfig(process.env));
  return lambdaTimers;
}
