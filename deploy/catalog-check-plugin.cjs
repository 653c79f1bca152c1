'use strict';
/*
 * A Serverless Framework plugin (listed in serverless.yml) that checks the access catalog before
 * anything is packaged (and so before any deploy). First the validation the functions run at cold
 * start (lib/adapters/catalog/parse-catalog.ts, loaded through tsx): every problem, with file and
 * line. Then the catalog against the stage: every secret the catalog references must lie under the
 * paths this stage's IAM roles may read, every EKS cluster must be one they may describe, and every
 * audit log group one they may read. Without
 * it such a catalog deploys fine and fails at run time with AccessDenied on the first grant.
 */
const { readFileSync } = require('node:fs');
const { parse } = require('yaml');

/** IAM's ArnLike: `*` any run, `?` one character. */
function glob(pattern) {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

function problemsOf(catalog, settings) {
  const problems = [];
  const clusters = (catalog && typeof catalog === 'object' && catalog.clusters) || {};
  for (const [name, cluster] of Object.entries(clusters)) {
    const c = cluster || {};
    const log = c.auditLog;
    if (log && log.type === 'cloudwatch' && settings.auditLogGroupPattern !== undefined) {
      if (!glob(settings.auditLogGroupPattern).test(String(log.logGroup))) {
        problems.push(`cluster "${name}": audit log group ${log.logGroup} is not one this stage may read (param auditLogGroupPattern: ${settings.auditLogGroupPattern})`);
      }
      // Without its own region the log is read where the EKS cluster is (else in the stage's region).
      const logRegion = log.region !== undefined ? log.region : c.type === 'eks' ? c.region : settings.region;
      if (logRegion !== settings.region) problems.push(`cluster "${name}": audit log in ${logRegion}, but this stage's roles may read log groups in ${settings.region} only`);
    }
    if (log && log.type === 'file') problems.push(`cluster "${name}": an audit log file is for local mode; in AWS use type cloudwatch`);
    if (c.type === 'eks') {
      if (!glob(settings.eksClusterPattern).test(String(c.name))) {
        problems.push(`cluster "${name}": EKS cluster ${c.name} is not one this stage may describe (param eksClusterPattern: ${settings.eksClusterPattern})`);
      }
      if (c.region !== settings.region && c.endpoint === undefined) {
        problems.push(`cluster "${name}": EKS cluster in ${c.region}, but this stage's roles may describe clusters in ${settings.region} only (or give endpoint and caData)`);
      }
      continue;
    }
    const ref = c.kubeconfig;
    if (ref === undefined) {
      problems.push(`cluster "${name}": names no kubeconfig, and Lambda has no KUBECONFIG: use ssm:${settings.ssmPrefix}/clusters/… or secretsmanager:${settings.secretsPrefix}/clusters/…`);
    } else if (ref.startsWith('ssm:')) {
      if (!ref.slice(4).startsWith(`${settings.ssmPrefix}/clusters/`)) problems.push(`cluster "${name}": ${ref} is outside ssm:${settings.ssmPrefix}/clusters/, which is all this stage's roles may read`);
    } else if (ref.startsWith('secretsmanager:')) {
      if (!ref.slice(15).startsWith(`${settings.secretsPrefix}/clusters/`)) problems.push(`cluster "${name}": ${ref} is outside secretsmanager:${settings.secretsPrefix}/clusters/, which is all this stage's roles may read`);
    } else if (ref.startsWith('file:')) {
      problems.push(`cluster "${name}": ${ref} is a file, and only the catalog itself is packaged: put the kubeconfig in SSM under ${settings.ssmPrefix}/clusters/`);
    }
  }
  return problems;
}

/**
 * The start-up validation of the catalog text (the functions' own parseCatalog): undefined when it
 * is valid, else its message, which names every problem with file and line.
 */
function startupProblems(text, file) {
  // tsx's CommonJS loader (a dev dependency, like serverless itself): on Node 20 as on 22.
  const { parseCatalog } = require('tsx/cjs/api').require('../lib/adapters/catalog/parse-catalog.ts', __filename);
  try {
    parseCatalog(text, file);
    return undefined;
  } catch (error) {
    if (error && error.name === 'ConfigError') return error.message;
    throw error;
  }
}

class CatalogCheck {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:initialize': () => this.check() };
  }

  check() {
    const service = this.serverless.service;
    const settings = { ...(service.custom && service.custom.catalogCheck), region: service.provider.region };
    const file = service.provider.environment && service.provider.environment.ACCESS_CATALOG;
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new this.serverless.classes.Error(`kube-lease: cannot read the access catalog ${file}: ${error.message}`);
    }
    // The same verdict as the first cold start would give, now, instead of in AWS.
    const invalid = startupProblems(text, file);
    if (invalid !== undefined) {
      throw new this.serverless.classes.Error(`kube-lease: the access catalog ${file} would stop every function at cold start: ${invalid}`);
    }
    const problems = problemsOf(parse(text), settings);
    if (problems.length > 0) {
      throw new this.serverless.classes.Error(`kube-lease: the access catalog ${file} does not fit stage ${service.provider.stage}:\n  ${problems.join('\n  ')}`);
    }
  }
}

module.exports = CatalogCheck;
module.exports.problemsOf = problemsOf;
module.exports.startupProblems = startupProblems;
