import type { Approval } from '../../domain/ticket.js';
import type { JiraHistory } from './jira-issue.js';

type Item = JiraHistory['items'][number];

const PROJECT_OF_KEY = /^([A-Z][A-Z0-9_]{0,49})-[1-9][0-9]{0,14}$/;

/** The project key an issue key names (`OPS-9` → `OPS`); undefined for anything that is no issue key. */
export function projectOfKey(key: string): string | undefined {
  return PROJECT_OF_KEY.exec(key)?.[1];
}

/** Whether a changelog item is Jira's own record of a *Move issue* (its project, key or workflow changed). */
export function isMoveItem(item: Item): boolean {
  return item.fieldtype === 'jira' && (item.fieldId === 'project' || item.field === 'project' || item.field === 'Key' || item.field === 'Workflow');
}

/** Jira's own `Key` item (never a custom field a user named "Key"). */
function isKeyItem(item: Item): boolean {
  return item.field === 'Key' && item.fieldtype === 'jira' && (item.fieldId === undefined || !item.fieldId.startsWith('customfield_'));
}

/** Whether a changelog item records that the issue changed project (a `project` or `Key` item). */
function isProjectChange(item: Item): boolean {
  return item.fieldtype === 'jira' && (item.fieldId === 'project' || item.field === 'project' || isKeyItem(item));
}

/**
 * The project an issue was in right after history `historyId`, by key: the project it left in the
 * first later move between projects (the former key of that move's `Key` item names it; the
 * `project` item names projects by id and display name only), or `current` when none followed.
 * `'unknown'` when a later move shows no well-formed former key: the caller fails closed.
 */
export function projectAfter(chronological: readonly JiraHistory[], historyId: string, current: string | undefined): string | undefined | 'unknown' {
  for (const h of chronological) {
    if (Number(h.id) <= Number(historyId) || !h.items.some(isProjectChange)) continue;
    const former = h.items.find(isKeyItem)?.fromString;
    return (former == null ? undefined : projectOfKey(former)) ?? 'unknown';
  }
  return current;
}

/** Whether a changelog item is Jira's record of an issue type change (which may bring another workflow). */
export function isTypeChange(item: Item): boolean {
  return item.fieldtype === 'jira' && (item.fieldId ?? item.field) === 'issuetype';
}

/**
 * A service desk approval, unless after its first step was decided the issue changed type, or left
 * a project outside `projects` (so a step was decided under that project's approval configuration),
 * or a move shows no well-formed former key: then why it does not count.
 */
export function unlessMovedIn(approval: Approval | undefined, histories: readonly JiraHistory[] | undefined, projects: readonly string[] | 'every project'): { approval?: Approval; notCounted?: string } {
  if (approval === undefined || histories === undefined) return { approval };
  const since = Date.parse(approval.at);
  for (const h of histories) {
    if (!(Date.parse(h.created) >= since)) continue;
    if (h.items.some(isTypeChange)) return { notCounted: 'the issue type changed after its service desk approvals began: approve it again' };
    if (projects === 'every project' || !h.items.some(isProjectChange)) continue;
    const former = projectOfKey(h.items.find(isKeyItem)?.fromString ?? '');
    if (former === undefined || !projects.includes(former)) {
      return { notCounted: `the issue was moved in from ${former === undefined ? 'a project its history does not name' : `project ${former}, which kube-lease does not watch,`} after its service desk approvals began: approve it again here` };
    }
  }
  return { approval };
}
